// A pod's fsGroup on Docker. The kubelet gives a pod's volumes to its fsGroup (group owner, setgid,
// group-writable) before the pod starts; Docker creates a named volume owned by root, or by the
// image's owner of the mount path, so a non-root pod could not write to it. Before a pod with an
// fsGroup is created, a short root container of its own image does what the kubelet does, for
// each volume whose root is not in that group yet (the kubelet's OnRootMismatch): a no-op up runs
// nothing, and an up interrupted half way is completed by the next.
import type { Docker } from '../../platform/docker.js';
import { removeContainer, waitExit } from './engine.js';
import { LABEL } from './names.js';
import type { ServicePlan } from './plan.js';

const SCRIPT = `gid=$1; shift
for v in "$@"; do
  [ "$(stat -c %g "$v")" = "$gid" ] || { chgrp "$gid" "$v" && chmod g+rwxs "$v"; } || exit 1
done`;

/** The named volumes the pod writes to, when it has an fsGroup. */
export function groupVolumes(s: ServicePlan): string[] {
  if (s.fsGroup === undefined) return [];
  const volumes = [...s.initContainers, ...s.containers].flatMap((c) =>
    c.mounts.flatMap((m) => (m.type === 'volume' && !m.readOnly ? [m.source] : [])),
  );
  return [...new Set(volumes)].sort();
}

export async function giveVolumesToGroup(
  docker: Docker,
  s: ServicePlan,
  name: string,
  labels: Record<string, string>,
  signal: AbortSignal,
): Promise<void> {
  const volumes = groupVolumes(s);
  if (volumes.length === 0) return;
  const targets = volumes.map((_, i) => `/volumes/${i}`);
  await removeContainer(docker, name);
  const container = await docker.createContainer({
    name,
    Image: s.containers[0]!.image,
    User: '0',
    Entrypoint: ['/bin/sh', '-c', SCRIPT, 'fsgroup', String(s.fsGroup), ...targets],
    Labels: { ...labels, [LABEL.service]: s.name, [LABEL.role]: 'init' },
    HostConfig: {
      NetworkMode: 'none',
      Mounts: volumes.map((v, i) => ({ Type: 'volume' as const, Source: v, Target: targets[i]! })),
    },
  });
  try {
    await container.start();
    const code = await waitExit(docker, container.id, Date.now() + 60_000, signal);
    if (code !== 0)
      throw new Error(
        `giving the volumes of ${s.name} (${volumes.join(', ')}) to group ${s.fsGroup} failed (exit ${code ?? 'no exit in 60 s'})`,
      );
  } finally {
    await removeContainer(docker, container.id);
  }
}
