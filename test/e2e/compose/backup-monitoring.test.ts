// Backups watched by Prometheus on Docker (issue 20): with monitoring and backups on, the chart's
// Pushgateway runs beside Prometheus; each backup run that succeeds reports the time of its success
// per tenant from its last step (in the Pushgateway's image); BackupStale fires once no run has
// succeeded for backup.staleAfter (then its `for:`), `omrs status` names it, and a new run
// resolves it. Real servers: Prometheus and the Pushgateway are built by the harness from the Go
// module proxy.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { panelQueries, renderedDashboards } from '../../helpers/dashboards.js';
import { readEngine } from '../../helpers/engines.js';
import { promQuery } from '../../helpers/prometheus.js';
import { until } from '../../helpers/poll.js';
import { composeEngines, freePort, objectsOf, omrs, omrsHome, PROFILE, upJson } from './helpers.js';

const { ready } = composeEngines();
const ENV = `bm-${process.pid}`;
const STALE_S = 20;
const ALERT_AFTER_S = 5;

interface Firing {
  name: string;
  labels: Record<string, string>;
}

describe.skipIf(!ready)('backups watched by Prometheus on Docker (Pushgateway, BackupStale)', () => {
  const tags = readEngine('images')?.tags;
  const dir = mkdtempSync(join(tmpdir(), 'omrs-backup-monitoring-'));
  const profile = join(dir, 'backup-monitoring.yaml');
  const cli = (...args: string[]) => omrs([...args, '--env', ENV], { cwd: dir });
  let prometheus = '';

  const firing = async (): Promise<Firing[]> => {
    const status = await cli('status', '--json');
    expect(status.code, status.stderr).toBe(0);
    return (JSON.parse(status.stdout) as { monitoring: { firing: Firing[] } }).monitoring.firing;
  };
  const query = (promql: string) => promQuery(prometheus, promql);
  const stale = async () =>
    (await firing()).find((a) => a.name === 'BackupStale' && a.labels.tenant === 'default');
  const backup = async (): Promise<number> => {
    const run = await cli('db', 'backup', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ result: 'succeeded' });
    return Date.now();
  };

  beforeAll(async () => {
    writeFileSync(
      profile,
      stringify({
        extends: PROFILE,
        // A schedule that does not run during the test: only the runs the test asks for.
        backup: { enabled: true, schedule: '0 0 1 1 *', staleAfter: `${STALE_S}s` },
        monitoring: {
          enabled: true,
          scrapeInterval: '2s',
          alertAfter: `${ALERT_AFTER_S}s`,
          logs: { enabled: false },
          // The test's part: this machine's disks are far from full, so every volume counts as
          // filling (BackupVolumeFilling reads the backup volume's real size and free bytes).
          diskFreeBelow: 100,
          // Grafana's image cannot be built here (AGPL): the backups dashboard's queries run on this Prometheus instead.
          grafana: { enabled: false },
          images: {
            prometheus: tags!.prometheus,
            dbExporter: tags!.mysqldExporter,
            pushgateway: tags!.pushgateway,
            diskExporter: tags!.nodeExporter,
            gatewayExporter: tags!.nginxExporter,
          },
        },
        ports: { gateway: await freePort(), prometheus: await freePort() },
      }),
    );
    await cli('down', '--volumes');
  });
  afterAll(async () => {
    await cli('down', '--volumes');
    expect(await objectsOf(ENV)).toEqual({ containers: [], networks: [], volumes: [] });
    rmSync(dir, { recursive: true, force: true });
  });

  it('a run that succeeds reports each tenant’s success; with none for staleAfter BackupStale fires; a new run resolves it', async () => {
    const up = await cli('up', '--profile', profile, '--json');
    expect(up.code, up.stderr + up.stdout).toBe(0);
    prometheus = (upJson(up) as { prometheusUrl?: string }).prometheusUrl!;
    expect((await objectsOf(ENV)).containers.map((c) => c.service)).toEqual(
      expect.arrayContaining(['pushgateway', 'prometheus', 'backup']),
    );

    const started = Date.now();
    const succeeded = await backup();
    // The report, through the Pushgateway, with the run's time and the environment and tenant.
    const sample = await until(
      'the backup’s report in Prometheus',
      async () => (await query('omrs_backup_last_success_timestamp_seconds'))[0],
      60_000,
    );
    expect(sample.metric).toMatchObject({ environment: ENV, tenant: 'default', job: 'omrs-backup' });
    const reported = Number(sample.value[1]) * 1000;
    expect(reported).toBeGreaterThanOrEqual(Math.floor(started / 1000) * 1000);
    expect(reported).toBeLessThanOrEqual(succeeded);
    expect(await stale()).toBeUndefined();
    // The backups dashboard (what Grafana reads; its image cannot be built here): each panel's
    // query answers from this Prometheus, the age of the run just made among them.
    const data = renderedDashboards(omrsHome, ENV);
    expect(Object.keys(data)).not.toContain('openmrs-logs.json');
    for (const q of panelQueries(data, 'openmrs-backups.json', { environment: ENV, tenant: 'default' })) {
      const result = await query(q.expr);
      expect(result.length, `${q.panel}: ${q.expr}`).toBeGreaterThan(0);
      if (q.panel === 'Age of the last backup')
        expect(Number(result[0]!.value[1])).toBeLessThan((Date.now() - reported) / 1000 + 60);
    }

    // The same report: the backup volume's size and free bytes after the run (df of its mount);
    // below diskFreeBelow % free (here 100), BackupVolumeFilling fires after its `for:`.
    const bytes = async (metric: string) => Number((await query(metric))[0]!.value[1]);
    const size = await bytes('omrs_backup_volume_size_bytes');
    const avail = await bytes('omrs_backup_volume_avail_bytes');
    expect(size).toBeGreaterThan(0);
    expect(avail).toBeGreaterThan(0);
    expect(avail).toBeLessThanOrEqual(size);
    const filling = await until(
      'BackupVolumeFilling in omrs status',
      async () => (await firing()).find((a) => a.name === 'BackupVolumeFilling'),
      (ALERT_AFTER_S + 60) * 1000,
    );
    expect(filling.labels).toMatchObject({ environment: ENV });

    // No run since: stale after staleAfter, and the alert waits its `for:` on top.
    const alert = await until('BackupStale in omrs status', stale, (STALE_S + ALERT_AFTER_S + 60) * 1000);
    expect(alert.labels).toMatchObject({ environment: ENV, tenant: 'default' });
    expect(Date.now() - reported).toBeGreaterThanOrEqual((STALE_S + ALERT_AFTER_S) * 1000);

    // A new run that succeeds: the alert resolves.
    await backup();
    await until('BackupStale resolved', async () => ((await stale()) ? undefined : true), 60_000);
  }, 360_000);
});
