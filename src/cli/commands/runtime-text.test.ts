import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import type { StatusResult } from '../../runtime/runtime.js';
import { statusText } from './runtime-text.js';

const c = pc.createColors(false);
const service = (name: string, component?: string) => ({
  name,
  kind: 'Deployment',
  runtime: 'ok' as const,
  health: 'healthy' as const,
  ...(component && { component }),
});

describe('statusText: where the OpenMRS dashboards are', () => {
  it('on Docker: Grafana’s published address', () => {
    const s: StatusResult = {
      env: 'dev',
      runtime: 'compose',
      exists: true,
      services: [service('grafana')],
      grafanaUrl: 'http://127.0.0.1:3000',
    };
    expect(statusText(s, c)).toContain(
      'dashboards (http://127.0.0.1:3000): the OpenMRS dashboards in Grafana (`omrs open grafana`)',
    );
  });

  it('on a cluster: its Grafana workload, opened through a port-forward; none without one', () => {
    const cluster: StatusResult = {
      env: 'qa',
      runtime: 'kind',
      exists: true,
      context: 'kind-omrs',
      namespace: 'omrs-qa',
      services: [service('qa-backend-default', 'backend'), service('qa-grafana', 'grafana')],
    };
    expect(statusText(cluster, c)).toContain(
      'dashboards: the OpenMRS dashboards in Grafana (`omrs open grafana` forwards a port to it)',
    );
    expect(statusText({ ...cluster, services: cluster.services.slice(0, 1) }, c)).not.toContain('dashboards');
  });
});
