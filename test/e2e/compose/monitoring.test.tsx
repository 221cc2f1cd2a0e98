// monitoring.enabled on compose (issue 20): the chart's Prometheus and the exporters run beside the
// stack, all real servers (built by the harness from the Go module proxy). Prometheus scrapes the
// backend (the stand-in serves the metrics a real backend's agent does), the gateway's and the
// database volume's sidecar exporters, and the database's exporter, which logs in as a user the
// init Job made; the volume's alert fires past its threshold; the backend-down alert fires when the
// backend stops, within its `for:` window, `omrs status` and the live dashboard name it, and it
// resolves when the backend is back. Every container's output reaches the environment's log store
// (VictoriaLogs, fed by the runtime's vlagent shipper), found by environment, tenant and service.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EventBus } from '../../../src/events/bus.js';
import { composeSource } from '../../../src/runtime/compose/dashboard-source.js';
import { Dashboard } from '../../../src/ui/dashboard/dashboard.js';
import { createViewStore } from '../../../src/ui/progress-view.js';
import { panelQueries, renderedDashboards } from '../../helpers/dashboards.js';
import { readEngine } from '../../helpers/engines.js';
import { promQuery } from '../../helpers/prometheus.js';
import { stripAnsi } from '../../helpers/ink.js';
import { until } from '../../helpers/poll.js';
import {
  composeEngines,
  docker,
  execIn,
  freePort,
  objectsOf,
  omrs,
  omrsHome,
  PROFILE,
  upJson,
} from './helpers.js';

// Ink decides at import whether it runs in CI (is-in-ci reads CI) and then draws no frame until it
// exits; the dashboard checks below read the frames a person sees, so this file runs without CI.
const ciWas = vi.hoisted(() => {
  const was = process.env.CI;
  delete process.env.CI;
  return was;
});

const { ready } = composeEngines();
const ENV = `mon-${randomBytes(3).toString('hex')}`;
const ALERT_AFTER_S = 10;

describe.skipIf(!ready)(
  'monitoring on compose: Prometheus, the database exporter, alerts (real servers)',
  () => {
    const tags = readEngine('images')?.tags;
    const dir = mkdtempSync(join(tmpdir(), 'omrs-monitoring-'));
    const profile = join(dir, 'monitoring.yaml');
    let prometheus = '';
    let logs = '';
    let gateway = '';

    const query = (promql: string) => promQuery(prometheus, promql);
    const alerts = async (): Promise<{ labels: Record<string, string>; state: string }[]> => {
      const response = await fetch(`${prometheus}/api/v1/alerts`);
      return (
        (await response.json()) as { data: { alerts: { labels: Record<string, string>; state: string }[] } }
      ).data.alerts;
    };
    /** The live dashboard of the environment (the source `omrs up` opens in a terminal), until its frame shows `want`. */
    const dashboardShows = async (want: RegExp): Promise<string> => {
      const bus = new EventBus();
      const controller = new AbortController();
      const source = composeSource(
        { name: ENV },
        { docker, bus, env: { ...process.env, OMRS_HOME: omrsHome }, cwd: dir, signal: controller.signal },
      );
      const store = createViewStore(bus);
      const view = render(<Dashboard store={store} source={source} onQuit={() => undefined} pollMs={500} />);
      try {
        return await until(
          `the dashboard showing ${want}`,
          async () => {
            const frame = stripAnsi(view.lastFrame());
            return want.test(frame) ? frame : undefined;
          },
          30_000,
        );
      } finally {
        view.unmount();
        store.close();
        source.close?.();
        controller.abort();
      }
    };
    const backendContainer = async () => {
      const [c] = await docker.listContainers({
        all: true,
        filters: { label: [`omrs.dev/env=${ENV}`, 'omrs.dev/service=backend-default', 'omrs.dev/role=main'] },
      });
      return docker.getContainer(c!.Id);
    };

    beforeAll(async () => {
      writeFileSync(
        profile,
        stringify({
          extends: PROFILE,
          monitoring: {
            enabled: true,
            scrapeInterval: '2s',
            alertAfter: `${ALERT_AFTER_S}s`,
            // The database volume is the host's disk: a CI machine with under 10 % free (seen: 8 %)
            // would fire DatabaseDiskFilling on a healthy environment. The disk test raises it to 100.
            diskFreeBelow: 1,
            // Grafana's image cannot be built here (AGPL): the dashboards' queries run on this Prometheus instead.
            grafana: { enabled: false },
            images: {
              prometheus: tags!.prometheus,
              dbExporter: tags!.mysqldExporter,
              logs: tags!.victoriaLogs,
              logShipper: tags!.vlagent,
              diskExporter: tags!.nodeExporter,
              gatewayExporter: tags!.nginxExporter,
            },
          },
          ports: { gateway: await freePort(), prometheus: await freePort(), logs: await freePort() },
        }),
      );
      await omrs(['down', '--env', ENV, '--volumes']);
    });
    afterAll(async () => {
      if (ciWas !== undefined) process.env.CI = ciWas;
      const down = await omrs(['down', '--env', ENV, '--volumes']);
      expect(down.code, down.stderr + down.stdout).toBe(0);
      expect(await objectsOf(ENV)).toEqual({ containers: [], networks: [], volumes: [] });
      rmSync(dir, { recursive: true, force: true });
    });

    it('up starts Prometheus and the exporter; the backend’s and the database’s metrics are queryable', async () => {
      const run = await omrs(['up', '--profile', profile, '--env', ENV, '--json']);
      expect(run.code, run.stderr + run.stdout).toBe(0);
      const result = upJson(run) as { prometheusUrl?: string; logsUrl?: string; gatewayPort?: number };
      expect(result.prometheusUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      prometheus = result.prometheusUrl!;
      expect(result.logsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      logs = result.logsUrl!;
      gateway = `http://127.0.0.1:${result.gatewayPort!}`;
      // `omrs open prometheus` names the same address.
      const open = await omrs(['open', 'prometheus', '--env', ENV, '--json']);
      expect(open.code, open.stderr).toBe(0);
      expect(JSON.parse(open.stdout)).toMatchObject({ env: ENV, url: prometheus });
      // Grafana is off here (its image cannot be built): `omrs open grafana` says what runs it.
      const grafana = await omrs(['open', 'grafana', '--env', ENV]);
      expect(grafana.code).not.toBe(0);
      expect(grafana.stderr).toContain(`environment ${ENV} has no published Grafana`);
      expect(grafana.stderr).toContain('monitoring.grafana.enabled is on by default');
      const services = (await objectsOf(ENV)).containers.map((c) => c.service);
      expect(services).toEqual(expect.arrayContaining(['prometheus', 'db-exporter', 'init-monitoring']));

      // The backend, scraped with its environment and tenant.
      const up = await until(
        'the backend scraped',
        async () => (await query('up{job="backend"} == 1'))[0],
        60_000,
      );
      expect(up.metric).toMatchObject({ environment: ENV, tenant: 'default', service: 'backend' });
      // Its own metrics: requests by status (the readiness probes are requests too), heap in use.
      const requests = await until(
        'the backend’s request counter',
        async () => (await query('http_server_requests_seconds_count{tenant="default"}'))[0],
        30_000,
      );
      expect(Number(requests.value[1])).toBeGreaterThan(0);
      expect(await query('jvm_memory_used_bytes{area="heap",tenant="default"} > 0')).toHaveLength(1);
      // The exporter logs in as the monitoring user the init Job made: mysql_up is 1.
      const db = await until('mysql_up == 1', async () => (await query('mysql_up == 1'))[0], 60_000);
      expect(db.metric).toMatchObject({ environment: ENV, service: 'database' });
      expect(await query('mysql_global_status_uptime > 0')).toHaveLength(1);
      // The gateway's exporter (a sidecar: nginx's stub_status on the shared loopback), found by
      // the DNS name of its headless Service; a request through the gateway counts.
      const gatewayUp = await until(
        'the gateway scraped',
        async () => (await query('nginx_up{job="gateway"} == 1'))[0],
        60_000,
      );
      expect(gatewayUp.metric).toMatchObject({ environment: ENV, service: 'gateway' });
      const handled = async () =>
        Number((await query('nginx_http_requests_total{job="gateway"}'))[0]!.value[1]);
      const before = await handled();
      for (let i = 0; i < 5; i++) await fetch(`${gateway}/omrs-gateway/healthz`);
      await until(
        'the requests counted',
        async () => ((await handled()) >= before + 5 ? true : undefined),
        30_000,
      );
      // The database volume's exporter: the volume's own size, as the database container sees it.
      const size = await until(
        'the database volume scraped',
        async () => (await query('node_filesystem_size_bytes{job="database-disk"}'))[0],
        60_000,
      );
      expect(size.metric).toMatchObject({
        environment: ENV,
        service: 'database',
        mountpoint: '/var/lib/mysql',
      });
      const [dbMain] = await docker.listContainers({
        filters: { label: [`omrs.dev/env=${ENV}`, 'omrs.dev/service=db', 'omrs.dev/role=main'] },
      });
      const df = (await execIn(dbMain!.Id, ['df', '-B1', '--output=size', '/var/lib/mysql'])).output;
      expect(Number(size.value[1])).toBe(Number(df.trim().split('\n').at(-1)));
      // Nothing fires on a healthy environment, and the live dashboard says so under its services.
      expect((await alerts()).filter((a) => a.state === 'firing')).toEqual([]);
      const frame = await dashboardShows(/^alerts none firing/m);
      expect(frame).toMatch(/prometheus\s+\S+\s+ok\s+healthy/);
    }, 360_000);

    it('every container’s output is in the log store, found by environment, tenant and service', async () => {
      /** LogsQL over the store's HTTP API: one JSON object per line. */
      const logsQuery = async (logsql: string): Promise<Record<string, string>[]> => {
        const response = await fetch(`${logs}/select/logsql/query?query=${encodeURIComponent(logsql)}`);
        expect(response.status, await response.clone().text()).toBe(200);
        const body = (await response.text()).trim();
        return body ? body.split('\n').map((line) => JSON.parse(line) as Record<string, string>) : [];
      };
      const open = await omrs(['open', 'logs', '--env', ENV, '--json']);
      expect(open.code, open.stderr).toBe(0);
      expect(JSON.parse(open.stdout)).toMatchObject({ env: ENV, url: logs });
      const services = (await objectsOf(ENV)).containers.map((c) => c.service);
      expect(services).toEqual(expect.arrayContaining(['logs', 'log-shipper']));
      const status = await omrs(['status', '--env', ENV], { env: { NO_COLOR: '1' } });
      expect(status.stdout).toMatch(/^log-shipper\s+ok\s+healthy/m);
      expect(status.stdout).toContain(`logs (${logs}): by environment, tenant and service`);

      // The backend's start-up lines, by environment and tenant.
      const started = await until(
        'the backend’s start in the store',
        async () =>
          (await logsQuery(`environment:=${ENV} tenant:=default service:=backend "stand-in started"`))[0],
        60_000,
      );
      expect(started).toMatchObject({ environment: ENV, tenant: 'default', service: 'backend' });
      expect(started.container).toBe(`omrs-${ENV}-backend-default`);
      expect(started._msg).toMatch(/OpenMRS stand-in started/);
      // The database's own output, with no tenant.
      const db = await until(
        'the database’s output in the store',
        async () => (await logsQuery(`environment:=${ENV} service:=db`))[0],
        30_000,
      );
      expect(db.tenant).toBeUndefined();

      // Shipped as it is written: a request made now is in the gateway's access log within seconds.
      const marker = `omrs-log-probe-${randomBytes(4).toString('hex')}`;
      await fetch(`${gateway}/openmrs/spa/${marker}`);
      const access = await until(
        'the request in the gateway’s access log',
        async () => (await logsQuery(`environment:=${ENV} service:=gateway "${marker}"`))[0],
        30_000,
      );
      expect(access._msg).toContain(`GET /openmrs/spa/${marker}`);

      // The shipper sees the folders of this environment's containers and no other (a folder holds
      // the container's configuration, environment variables included).
      const all = await docker.listContainers({ all: true, filters: { label: [`omrs.dev/env=${ENV}`] } });
      const shipperId = all.find((c) => c.Labels['omrs.dev/service'] === 'log-shipper')!.Id;
      const seen = (await execIn(shipperId, ['ls', '/docker-containers'])).output.trim().split(/\s+/);
      expect(seen.length).toBeGreaterThan(3);
      expect(all.map((c) => c.Id)).toEqual(expect.arrayContaining(seen));
      expect(seen).not.toContain(shipperId);

      // Only this environment's containers: other lanes' environments run on the same engine.
      const environments = await logsQuery('* | uniq by (environment)');
      expect(environments.map((r) => r.environment)).toEqual([ENV]);
    }, 120_000);

    it('omrs logs reads a service’s sidecars too, each line named after its container (gateway/exporter)', async () => {
      const json = await omrs(['logs', 'gateway', '--env', ENV, '--tail', '50', '--json']);
      expect(json.code, json.stderr).toBe(0);
      const lines = json.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { service: string; container?: string });
      expect(lines.some((l) => l.service === 'gateway' && l.container === undefined)).toBe(true);
      expect(
        lines.some((l) => l.service === 'gateway' && l.container === 'exporter'),
        json.stdout,
      ).toBe(true);
      const text = await omrs(['logs', '--env', ENV, '--tail', '20'], { env: { NO_COLOR: '1' } });
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toMatch(/^gateway\/exporter \| /m);
      expect(text.stdout).toMatch(/^db\/disk-exporter \| /m);
    });

    it('the OpenMRS dashboards: every panel’s query answers from this environment’s Prometheus and log store', async () => {
      // What `up` rendered (Grafana reads this ConfigMap; its image cannot be built here, so the
      // queries run here as Grafana would send them, with its variables filled in).
      const data = renderedDashboards(omrsHome, ENV);
      expect(Object.keys(data).sort()).toEqual([
        'openmrs-backups.json',
        'openmrs-database.json',
        'openmrs-http.json',
        'openmrs-jvm.json',
        'openmrs-logs.json',
      ]);
      const vars = { environment: ENV, tenant: 'default', service: '.*' };
      const metrics = ['openmrs-http.json', 'openmrs-jvm.json', 'openmrs-database.json'].flatMap((d) =>
        panelQueries(data, d, vars),
      );
      expect(metrics.length).toBeGreaterThan(15);
      for (const q of metrics) {
        expect(q.datasource).toBe('prometheus');
        const series = await until(
          `${q.dashboard} “${q.panel}”: ${q.expr}`,
          async () => {
            const result = await query(q.expr);
            return result.length > 0 ? result : undefined;
          },
          60_000,
        );
        for (const s of series) expect(Number.isNaN(Number(s.value[1])), `${q.panel}: ${q.expr}`).toBe(false);
      }
      // The logs dashboard: LogsQL the store accepts; its every-line panel shows the backend's lines.
      const logsQueries = panelQueries(data, 'openmrs-logs.json', { ...vars, service: 'backend' });
      expect(logsQueries.map((q) => q.datasource)).toEqual(
        logsQueries.map(() => 'victoriametrics-logs-datasource'),
      );
      for (const q of logsQueries) {
        const response = await fetch(
          `${logs}/select/logsql/query?query=${encodeURIComponent(q.expr)}&limit=5`,
        );
        expect(response.status, `${q.panel}: ${q.expr}: ${await response.clone().text()}`).toBe(200);
      }
      const lines = logsQueries.find((q) => q.panel === 'All lines')!;
      const response = await fetch(
        `${logs}/select/logsql/query?query=${encodeURIComponent(lines.expr)}&limit=5`,
      );
      const rows = (await response.text())
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, string>);
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows)
        expect(r).toMatchObject({ environment: ENV, tenant: 'default', service: 'backend' });
    }, 240_000);

    it('the exporter’s user reads server status only, no tenant table', async () => {
      const [db] = await docker.listContainers({
        filters: { label: [`omrs.dev/env=${ENV}`, 'omrs.dev/service=db', 'omrs.dev/role=main'] },
      });
      const [exporter] = await docker.listContainers({
        filters: { label: [`omrs.dev/env=${ENV}`, 'omrs.dev/service=db-exporter', 'omrs.dev/role=main'] },
      });
      // The exporter's own password, as it reads it (its environment, from the Secret).
      const { Config } = await docker.getContainer(exporter!.Id).inspect();
      const password = Config.Env.find((e) => e.startsWith('MYSQLD_EXPORTER_PASSWORD='))?.split('=')[1];
      expect(password).toMatch(/^[A-Za-z0-9]+$/);
      const asMonitor = (sql: string) =>
        execIn(db!.Id, ['mariadb', '-uomrs_monitor', '-N', '-e', sql], [`MYSQL_PWD=${password}`]);
      expect((await asMonitor('SELECT 1')).output.trim()).toBe('1');
      const denied = await asMonitor('SELECT count(*) FROM openmrs_default.users');
      expect(denied.exitCode).not.toBe(0);
      expect(denied.output).toMatch(/denied/i);
    }, 60_000);

    it('the backend stops: BackendDown fires within its window, status names it; back up, it resolves', async () => {
      const backend = await backendContainer();
      const stoppedAt = Date.now();
      await backend.stop({ t: 2 });
      const firing = await until(
        'BackendDown firing',
        async () =>
          (await alerts()).find((a) => a.labels.alertname === 'BackendDown' && a.state === 'firing'),
        (ALERT_AFTER_S + 60) * 1000,
      );
      expect(firing.labels).toMatchObject({ tenant: 'default', severity: 'critical', environment: ENV });
      // Not before its `for:` window: an alert that fired at once would not be the rule's.
      expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(ALERT_AFTER_S * 1000);

      // Exit 1: a service is down (the backend); the alert says so too.
      const status = await omrs(['status', '--env', ENV, '--json']);
      expect(status.code, status.stderr).toBe(1);
      const monitoring = (
        JSON.parse(status.stdout) as {
          monitoring?: { firing: { name: string; labels: Record<string, string> }[] };
        }
      ).monitoring;
      expect(monitoring?.firing.map((a) => `${a.name}:${a.labels.tenant}`)).toEqual(['BackendDown:default']);
      const text = await omrs(['status', '--env', ENV], { env: { NO_COLOR: '1' } });
      expect(text.stdout).toMatch(/alerts .*: 1 firing/);
      expect(text.stdout).toMatch(/BackendDown \(critical, tenant default, service backend/);
      // The live dashboard shows it too, beside the stopped backend.
      const frame = await dashboardShows(/^alerts 1 firing/m);
      expect(frame).toMatch(/^ {2}● BackendDown \(critical, tenant default, service backend, since \S+Z\)/m);

      // `omrs up` repairs the stopped backend; the alert resolves.
      const again = await omrs(['up', '--profile', profile, '--env', ENV, '--json']);
      expect(again.code, again.stderr + again.stdout).toBe(0);
      await until(
        'BackendDown resolved',
        async () => ((await alerts()).some((a) => a.labels.alertname === 'BackendDown') ? undefined : true),
        60_000,
      );
      const after = await omrs(['status', '--env', ENV, '--json']);
      expect((JSON.parse(after.stdout) as { monitoring?: { firing: unknown[] } }).monitoring?.firing).toEqual(
        [],
      );
    }, 300_000);

    /**
     * `up` with `monitoring` overridden, the alert firing (not before its window) and named by
     * `omrs status`; then `up` of the test's profile again, and the alert resolved.
     */
    const fireAndResolve = async (
      alertname: string,
      monitoring: Record<string, unknown>,
      window: number,
      whileFiring?: () => Promise<void>,
    ): Promise<Record<string, string>> => {
      const changed = join(dir, `${alertname}.yaml`);
      writeFileSync(changed, stringify({ extends: profile, monitoring }));
      const up = await omrs(['up', '--profile', changed, '--env', ENV, '--json']);
      expect(up.code, up.stderr + up.stdout).toBe(0);
      const changedAt = Date.now();
      await whileFiring?.();
      const fired = await until(
        `${alertname} firing`,
        async () => (await alerts()).find((a) => a.labels.alertname === alertname && a.state === 'firing'),
        window,
      );
      expect(Date.now() - changedAt).toBeGreaterThanOrEqual(ALERT_AFTER_S * 1000);
      const status = await omrs(['status', '--env', ENV], { env: { NO_COLOR: '1' } });
      expect(status.stdout).toMatch(
        new RegExp(`${alertname} \\(${fired.labels.severity}, service ${fired.labels.service}`),
      );
      const back = await omrs(['up', '--profile', profile, '--env', ENV, '--json']);
      expect(back.code, back.stderr + back.stdout).toBe(0);
      await until(
        `${alertname} resolved`,
        async () => ((await alerts()).some((a) => a.labels.alertname === alertname) ? undefined : true),
        60_000,
      );
      return fired.labels;
    };

    it('the database volume under diskFreeBelow: DatabaseDiskFilling fires after its window, status names it; back above, it resolves', async () => {
      // The test's part: this machine's disk is far from full, so the threshold is raised above the
      // volume's free share instead (100 %); the rule then reads the volume's real numbers.
      const labels = await fireAndResolve(
        'DatabaseDiskFilling',
        { diskFreeBelow: 100 },
        (ALERT_AFTER_S + 60) * 1000,
      );
      expect(labels).toMatchObject({ environment: ENV, service: 'database', severity: 'critical' });
    }, 300_000);

    it('Prometheus’s own data over 90 % of monitoring.storage: PrometheusStorageFilling fires and status names it; with room again it resolves', async () => {
      // A volume of 64 KiB, which Prometheus's write-ahead log passes within a few scrapes: the rule
      // reads Prometheus's own sizes; the volume is the test's.
      const labels = await fireAndResolve(
        'PrometheusStorageFilling',
        { storage: '64Ki' },
        (ALERT_AFTER_S + 90) * 1000,
        async () => {
          // The limit Prometheus keeps its blocks within: 80 % of the volume.
          const [main] = await docker.listContainers({
            filters: { label: [`omrs.dev/env=${ENV}`, 'omrs.dev/service=prometheus'] },
          });
          const args = (await docker.getContainer(main!.Id).inspect()).Args;
          expect(args).toContain(`--storage.tsdb.retention.size=${Math.floor(64 * 1024 * 0.8)}B`);
        },
      );
      expect(labels).toMatchObject({ environment: ENV, service: 'prometheus', severity: 'warning' });
    }, 300_000);
  },
);
