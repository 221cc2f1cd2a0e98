// Names and labels of everything the compose runtime creates for an environment.

export const LABEL = {
  env: 'omrs.dev/env',
  profile: 'omrs.dev/profile',
  appDigest: 'omrs.dev/app-digest',
  specHash: 'omrs.dev/spec-hash',
  service: 'omrs.dev/service',
  /** "main", "sidecar" (beside the main container, in its network), "init" (an init container) or "job". */
  role: 'omrs.dev/role',
  /** The readiness probe (JSON), so `status` can probe without rendering the chart. */
  probe: 'omrs.dev/probe',
  /** On a CronJob's pod (main container): its schedule, and the steps that run after the first. */
  schedule: 'omrs.dev/schedule',
  scheduleAfter: 'omrs.dev/schedule-after',
  /** On a container with a port on 127.0.0.1: what it is ("gateway", "prometheus"). */
  publishedAs: 'omrs.dev/published-as',
} as const;

export const prefix = (env: string): string => `omrs-${env}`;
export const networkName = (env: string): string => `${prefix(env)}`;
export const volumeName = (env: string, name: string): string => `${prefix(env)}-${name}`;
export const containerName = (env: string, service: string, replica = 0, part?: string): string =>
  [prefix(env), service, ...(replica > 0 ? [String(replica + 1)] : []), ...(part ? [part] : [])].join('-');
