// The OpenMRS dashboards as `up` rendered them (the ConfigMap <env>-dashboards, which Grafana
// reads): every panel's query, with the dashboard variables filled in as Grafana would, so a test
// can run each one on the environment's own Prometheus and log store.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envDir } from '../../src/runtime/compose/state.js';

export interface PanelQuery {
  dashboard: string;
  panel: string;
  /** The panel's datasource type: prometheus, or victoriametrics-logs-datasource. */
  datasource: string;
  expr: string;
}

interface DashboardJson {
  panels: { title: string; datasource: { type: string }; targets: { expr: string }[] }[];
}

/** The dashboards ConfigMap's data, from the objects `omrs up` rendered for compose env `env`. */
export function renderedDashboards(omrsHome: string, env: string): Record<string, string> {
  const { objects } = JSON.parse(
    readFileSync(join(envDir({ OMRS_HOME: omrsHome }, env), 'rendered.json'), 'utf8'),
  ) as {
    objects: { kind: string; metadata: { name: string }; data?: Record<string, string> }[];
  };
  const map = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === `${env}-dashboards`);
  if (!map?.data) throw new Error(`no ConfigMap ${env}-dashboards in what up rendered`);
  return map.data;
}

/**
 * Every panel query of `dashboard` (a file name in the ConfigMap), its variables replaced:
 * `$name` by `vars[name]`, Grafana's `$__rate_interval` by `rateInterval`.
 */
export function panelQueries(
  data: Record<string, string>,
  dashboard: string,
  vars: Record<string, string>,
  rateInterval = '1m',
): PanelQuery[] {
  const json = data[dashboard];
  if (json === undefined) throw new Error(`no dashboard ${dashboard}`);
  const fill = (expr: string) =>
    expr
      .replaceAll('$__rate_interval', rateInterval)
      .replace(/\$(\w+)/g, (whole, name: string) => vars[name] ?? whole);
  return (JSON.parse(json) as DashboardJson).panels.flatMap((p) =>
    p.targets.map((t) => ({ dashboard, panel: p.title, datasource: p.datasource.type, expr: fill(t.expr) })),
  );
}
