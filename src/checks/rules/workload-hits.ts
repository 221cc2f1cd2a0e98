// Findings about workloads: one per workload, or one per container, for which a test answers a message.
import { workloads, type PodContainer, type Workload } from '../../render/workloads.js';
import type { Hit, ManifestContext } from '../types.js';

export const workloadHit = (w: Workload, message: string): Hit => ({
  resource: w.ref,
  message,
  ...(w.object.source && { file: w.object.source }),
});

/** One hit per workload for which `bad` returns a message. */
export const perPod = (ctx: ManifestContext, bad: (w: Workload) => string | undefined): Hit[] =>
  workloads(ctx.objects).flatMap((w) => {
    const message = bad(w);
    return message ? [workloadHit(w, message)] : [];
  });

/** One hit per container (of the workloads `only` keeps) for which `bad` returns a message. */
export const perContainer = (
  ctx: ManifestContext,
  bad: (w: Workload, c: PodContainer) => string | undefined,
  only: (w: Workload, c: PodContainer) => boolean = () => true,
): Hit[] =>
  workloads(ctx.objects).flatMap((w) =>
    w.containers
      .filter((c) => only(w, c))
      .flatMap((c) => {
        const message = bad(w, c);
        return message ? [workloadHit(w, `container ${c.name}: ${message}`)] : [];
      }),
  );
