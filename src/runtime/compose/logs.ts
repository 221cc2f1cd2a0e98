// `omrs logs`: one service, or all of them interleaved, from docker's multiplexed log streams.
import { sinceSeconds } from '../../duration.js';
import { ExitCode, OmrsError } from '../../errors.js';
import type { Docker } from '../../platform/docker.js';
import { followLogs, listContainers } from './engine.js';
import { LABEL } from './names.js';

export interface LogsRequest {
  env: string;
  service?: string;
  follow: boolean;
  /** "10m", "30s", "2h" or an ISO date. */
  since?: string;
  tail?: number;
}

export interface LogLine {
  service: string;
  /** A sidecar's name (the gateway's exporter); absent for the service's main container. */
  container?: string;
  line: string;
  stream: 'stdout' | 'stderr';
}

export async function logs(
  request: LogsRequest,
  deps: { docker: Docker; signal: AbortSignal; onLine: (line: LogLine) => void },
): Promise<{ services: string[] }> {
  const since = request.since ? sinceSeconds(request.since) : undefined;
  const containers = (await listContainers(deps.docker, request.env)).filter(
    (c) => c.Labels[LABEL.role] !== 'init',
  );
  const names = [...new Set(containers.map((c) => c.Labels[LABEL.service] ?? ''))].filter(Boolean).sort();
  if (containers.length === 0)
    throw new OmrsError({
      code: 'ENV_NOT_FOUND',
      message: `environment ${request.env} has no containers`,
      hint: 'Start it with `omrs up`; `omrs status` lists what runs.',
    });
  const selected = request.service
    ? containers.filter(
        (c) => c.Labels[LABEL.service] === request.service || c.Names[0] === `/${request.service}`,
      )
    : containers;
  if (selected.length === 0)
    throw new OmrsError({
      code: 'SERVICE_NOT_FOUND',
      message: `environment ${request.env} has no service "${request.service}"`,
      hint: `Services: ${names.join(', ')}.`,
      exitCode: ExitCode.usage,
    });
  const nameOf = (c: (typeof containers)[number]) => c.Names[0]!.replace(/^\//, '');
  const mains = containers.filter((c) => c.Labels[LABEL.role] !== 'sidecar').map(nameOf);
  /** A sidecar's own name: what follows its pod's main container's name (omrs-dev-gateway-exporter). */
  const sidecarOf = (c: (typeof containers)[number]): string | undefined => {
    if (c.Labels[LABEL.role] !== 'sidecar') return undefined;
    const name = nameOf(c);
    const main = mains.filter((m) => name.startsWith(`${m}-`)).sort((a, b) => b.length - a.length)[0];
    return main ? name.slice(main.length + 1) : name;
  };
  await Promise.all(
    selected.map((c) => {
      const service = c.Labels[LABEL.service] ?? nameOf(c);
      const container = sidecarOf(c);
      return followLogs(
        deps.docker,
        c.Id,
        {
          follow: request.follow,
          signal: deps.signal,
          ...(since !== undefined && { since }),
          ...(request.tail !== undefined && { tail: request.tail }),
        },
        (line, stream) => deps.onLine({ service, ...(container && { container }), line, stream }),
      );
    }),
  );
  return { services: selected.map((c) => c.Labels[LABEL.service] ?? '') };
}
