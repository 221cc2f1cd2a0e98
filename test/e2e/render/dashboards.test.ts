// The OpenMRS dashboards and Grafana's provisioning (issue 20). Grafana is under the AGPL and its
// image is not built here, so its files are checked with Grafana's own code instead: grafana-check
// (test/harness/tools/grafana-check) decodes each dashboard with the Grafana Foundation SDK's
// strict decoder, Grafana's generated types for dashboards, panels, their options and Prometheus
// queries. Their queries run on real Prometheus and log stores in compose/monitoring.test.tsx.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments, parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { requireEngine } from '../../helpers/engines.js';
import { clusterMonitoringManifests } from './scan.js';

const root = join(import.meta.dirname, '../../..');
const files = join(root, 'charts/openmrs/files/dashboards');
const helm = requireEngine('helm');
const checker = requireEngine('scanners')?.grafanaCheck;
const dir = mkdtempSync(join(tmpdir(), 'omrs-dashboards-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Obj {
  kind: string;
  metadata: { name: string; namespace?: string };
  data?: Record<string, string>;
  spec?: Record<string, unknown>;
}

/** grafana-check's exit code and output. */
async function check(paths: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await promisify(execFile)(checker!, paths);
    return { code: 0, output: stdout };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, output: err.stdout + err.stderr };
  }
}

async function prodObjects(): Promise<Obj[]> {
  const { code, stdout, stderr } = await runCli(['render', '--profile', 'prod'], {
    cwd: root,
    env: { OMRS_HELM: helm?.helm },
  });
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  return parseAllDocuments(stdout)
    .map((d) => d.toJS() as Obj)
    .filter(Boolean);
}

describe.skipIf(!checker)('the dashboards, decoded by Grafana’s own types (grafana-check)', () => {
  it('every dashboard file of the chart decodes strictly', async () => {
    const names = readdirSync(files).filter((f) => f.endsWith('.json'));
    expect(names.sort()).toEqual([
      'openmrs-backups.json',
      'openmrs-database.json',
      'openmrs-http.json',
      'openmrs-jvm.json',
      'openmrs-logs.json',
    ]);
    const { code, output } = await check(names.map((n) => join(files, n)));
    expect(code, output).toBe(0);
    for (const n of names) expect(output).toMatch(new RegExp(`${n}: ok \\(\\d+ panels\\)`));
  });

  it('refuses a dashboard with a field Grafana does not have, or a wrong type', async () => {
    const http = JSON.parse(readFileSync(join(files, 'openmrs-http.json'), 'utf8')) as {
      panels: Record<string, unknown>[];
      refresh: unknown;
    };
    http.panels[0]!.legendMode = 'table';
    const unknownField = join(dir, 'unknown-field.json');
    writeFileSync(unknownField, JSON.stringify(http));
    const wrongType = join(dir, 'wrong-type.json');
    writeFileSync(wrongType, JSON.stringify({ ...http, panels: http.panels.slice(1), refresh: 30 }));
    const { code, output } = await check([unknownField, wrongType]);
    expect(code).toBe(1);
    expect(output).toContain("unexpected field 'legendMode'");
    expect(output).toMatch(/wrong-type\.json: refresh/);
  });

  it.skipIf(!helm)(
    'the prod render: the dashboards ConfigMap decodes, Grafana’s datasources name Services that exist',
    async () => {
      const objects = await prodObjects();
      const dashboards = objects.find(
        (o) => o.kind === 'ConfigMap' && o.metadata.name === 'prod-dashboards',
      )!;
      const rendered = Object.entries(dashboards.data!).map(([name, json]) => {
        const path = join(dir, name);
        writeFileSync(path, json);
        return path;
      });
      expect(rendered).toHaveLength(5);
      const { code, output } = await check(rendered);
      expect(code, output).toBe(0);
      // On a cluster the logs dashboard reads the shared store's fields: the pods' labels.
      expect(dashboards.data!['openmrs-logs.json']).toContain('\\"kubernetes.pod_labels.omrs.dev/env\\":=');
      expect(dashboards.data!['openmrs-logs.json']).not.toContain('__ENV_FIELD__');

      const provisioning = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'prod-grafana')!;
      const { datasources } = parse(provisioning.data!['datasources.yaml']!) as {
        datasources: { type: string; url: string; uid: string }[];
      };
      expect(datasources.map((d) => [d.type, d.url])).toEqual([
        ['prometheus', 'http://prod-prometheus:9090'],
        ['victoriametrics-logs-datasource', 'http://omrs-monitoring-logs.omrs-monitoring.svc:9428'],
      ]);
      const prometheus = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'prod-prometheus');
      expect(prometheus?.spec).toMatchObject({ ports: [{ port: 9090 }] });
      // The cluster's shared store, from its own chart.
      const store = parseAllDocuments(await clusterMonitoringManifests(helm!.helm))
        .map((d) => d.toJS() as Obj)
        .find((o) => o?.kind === 'Service' && o.metadata.name === 'omrs-monitoring-logs');
      expect(store?.spec).toMatchObject({ ports: [{ port: 9428 }] });
      // The dashboards provider reads where the Deployment mounts the dashboards ConfigMap.
      const { providers } = parse(provisioning.data!['dashboards.yaml']!) as {
        providers: { options: { path: string } }[];
      };
      const grafana = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'prod-grafana')!;
      const pod = (grafana.spec as { template: { spec: PodSpec } }).template.spec;
      const mount = pod.containers[0]!.volumeMounts.find((m) => m.mountPath === providers[0]!.options.path);
      expect(pod.volumes.find((v) => v.name === mount?.name)?.configMap?.name).toBe('prod-dashboards');
    },
    120_000,
  );
});

interface PodSpec {
  containers: { volumeMounts: { name: string; mountPath: string }[] }[];
  volumes: { name: string; configMap?: { name: string } }[];
}
