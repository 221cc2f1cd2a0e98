// `omrs status` on Docker: everything is found by the omrs.dev/env label, so it needs neither the
// profile nor the chart (nor does `down`, in down.ts).
import type { ContainerInfo } from 'dockerode';
import type { HealthState, RuntimeState } from '../../events/types.js';
import type { Docker } from '../../platform/docker.js';
import { containerState, listContainers } from './engine.js';
import { LABEL, networkName } from './names.js';
import { PUBLISHED_TOOLS, type ProbePlan, type Published, type PublishedTool } from './plan.js';
import { runProbe } from './probe.js';

export interface ServiceStatus {
  name: string;
  container: string;
  role: string;
  image: string;
  runtime: RuntimeState;
  health: HealthState;
  state: string;
  exitCode?: number;
  restarts: number;
  ports: string[];
  detail?: string;
}

export interface EnvStatus {
  env: string;
  exists: boolean;
  url?: string;
  /** Prometheus on 127.0.0.1 (monitoring.enabled). */
  prometheusUrl?: string;
  /** The log store on 127.0.0.1 (monitoring.logs). */
  logsUrl?: string;
  /** Grafana on 127.0.0.1 (monitoring.grafana). */
  grafanaUrl?: string;
  profile?: string;
  appDigest?: string;
  services: ServiceStatus[];
}

/** The env's status; `deps.containers` when the caller has listed them already. */
export async function status(
  env: string,
  deps: { docker: Docker; containers?: ContainerInfo[] },
): Promise<EnvStatus> {
  const { docker } = deps;
  const containers = (deps.containers ?? (await listContainers(docker, env))).filter(
    (c) => c.Labels[LABEL.role] !== 'init',
  );
  const network = networkName(env);
  const services = await Promise.all(containers.map((c) => serviceStatus(docker, c, network)));
  services.sort((a, b) => a.name.localeCompare(b.name));
  const gateway = publishedPort(containers, 'gateway');
  const first = containers[0];
  return {
    env,
    exists: containers.length > 0,
    ...(gateway !== undefined && { url: `http://localhost:${gateway}/openmrs/spa/` }),
    ...toolUrls((as) => publishedPort(containers, as)),
    ...(first && { profile: first.Labels[LABEL.profile], appDigest: first.Labels[LABEL.appDigest] }),
    services,
  };
}

/** Where status and up report the address of each monitoring tool compose publishes. */
export const TOOL_URL_FIELDS = {
  prometheus: 'prometheusUrl',
  logs: 'logsUrl',
  grafana: 'grafanaUrl',
} as const satisfies Record<PublishedTool, keyof EnvStatus>;
type ToolUrls = Partial<Record<(typeof TOOL_URL_FIELDS)[PublishedTool], string>>;

/** The addresses of the monitoring tools published on 127.0.0.1, from the host port of each. */
export function toolUrls(portOf: (as: PublishedTool) => number | undefined): ToolUrls {
  const urls: ToolUrls = {};
  for (const tool of PUBLISHED_TOOLS) {
    const port = portOf(tool);
    if (port !== undefined) urls[TOOL_URL_FIELDS[tool]] = `http://127.0.0.1:${port}`;
  }
  return urls;
}

/** The port on 127.0.0.1 of the container published as `as` (containers of older omrs have no label: the gateway). */
function publishedPort(containers: ContainerInfo[], as: Published): number | undefined {
  const c = containers.find(
    (x) => (x.Labels[LABEL.publishedAs] ?? 'gateway') === as && x.Ports.some((p) => p.PublicPort),
  );
  return c?.Ports.find((p) => p.PublicPort && p.IP === '127.0.0.1')?.PublicPort;
}

async function serviceStatus(docker: Docker, c: ContainerInfo, network: string): Promise<ServiceStatus> {
  const name = c.Labels[LABEL.service] ?? c.Names[0]!.replace(/^\//, '');
  const role = c.Labels[LABEL.role] ?? 'main';
  const base = { name, container: c.Names[0]!.replace(/^\//, ''), role, image: c.Image, state: c.State };
  const ports = c.Ports.filter((p) => p.PublicPort).map((p) => `${p.IP}:${p.PublicPort}→${p.PrivatePort}`);
  const state = await containerState(docker, c.Id, network).catch(() => undefined);
  const restarts = state?.restarts ?? 0;
  if (role === 'job') {
    const ok = state?.exitCode === 0 && c.State === 'exited';
    return {
      ...base,
      runtime: c.State === 'running' ? 'starting' : ok ? 'ok' : 'error',
      health: 'none',
      restarts,
      ports,
      ...(state && { exitCode: state.exitCode }),
      detail: c.State === 'running' ? 'running' : ok ? 'completed' : `failed (exit ${state?.exitCode})`,
    };
  }
  if (!state?.running) {
    const crashed = c.State === 'exited' || c.State === 'dead' || c.State === 'restarting';
    return {
      ...base,
      runtime: crashed ? 'error' : 'stopped',
      health: 'unhealthy',
      restarts,
      ports,
      ...(state && { exitCode: state.exitCode }),
      detail: `${c.State}${state ? ` (exit code ${state.exitCode}${state.oomKilled ? ', out of memory' : ''})` : ''}; \`omrs up\` repairs it`,
    };
  }
  const probeLabel = c.Labels[LABEL.probe];
  const probe = probeLabel ? (JSON.parse(probeLabel) as ProbePlan) : undefined;
  if (!probe) return { ...base, runtime: 'ok', health: 'none', restarts, ports };
  const result = await runProbe(
    docker,
    { id: c.Id, ...(state.ip && { ip: state.ip }) },
    probe.action,
    Math.min(3000, probe.timeoutSeconds * 1000),
  );
  return {
    ...base,
    runtime: 'ok',
    health: result.ok ? 'healthy' : 'unhealthy',
    restarts,
    ports,
    detail: result.message,
  };
}
