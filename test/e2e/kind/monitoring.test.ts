// monitoring.enabled on real nodes (issue 20): `omrs up --runtime kind` loads the Prometheus and
// exporter images (tool images) into the nodes and runs them under the chart's hardening; the
// NetworkPolicies, enforced by the nodes (kube-router), let Prometheus scrape the backend, the
// gateway's and the database volume's sidecar exporters, and the exporter reach the database; a backend with no pod fires BackendDown within its window, `omrs
// status` names it through its port-forward, and it resolves when the backend is back. The OpenMRS
// dashboards' queries, as rendered for a cluster, answer from its Prometheus and the shared log store.
// A backup run asked for on the nodes reports its success and the backup volume's size and free bytes.
//
// Where the test plays a part: as in kind/up, the images are copied from the main Docker engine to
// the kind engine first (the user's one engine holds both).
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../../helpers/cli.js';
import { panelQueries } from '../../helpers/dashboards.js';
import { requireEngine } from '../../helpers/engines.js';
import { promQuery } from '../../helpers/prometheus.js';
import { until } from '../../helpers/poll.js';
import { environmentSources } from '../../../src/ui/shell/sources.js';
import {
  background,
  copyToKindEngine,
  uninstallClusterMonitoring,
  kindCliEnv,
  kindKubeConfig,
  probeFromAnotherNamespace,
  writeKindProfiles,
} from './engines.js';

const kind = requireEngine('kind');
const images = requireEngine('images');
const helm = requireEngine('helm');
const STEP = 600_000;
const ALERT_AFTER_S = 10;

const env = `km${process.pid % 100000}`;
const namespace = `omrs-${env}`;
const HOST = `${env}.example.org`;

describe.skipIf(!kind || !images || !helm)(
  'monitoring on real nodes (kind): Prometheus, the exporter, alerts',
  () => {
    let root: string;
    let kc: k8s.KubeConfig;
    let cliEnv: Record<string, string>;
    let prometheus = '';
    let stopOpen: (() => Promise<unknown>) | undefined;
    let stopLogs: (() => Promise<unknown>) | undefined;

    const onKind = ['--runtime', 'kind', '--env', env, '--profile', 'kind-monitoring'];
    const cli = (...argv: string[]) => runCli([...argv, ...onKind], { cwd: root, env: cliEnv });
    const expectOk = (r: CliRun) => expect(r.code, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
    const query = (promql: string) => promQuery(prometheus, promql);
    const firing = async (): Promise<{ name: string; labels: Record<string, string> }[]> => {
      const status = await cli('status', '--json');
      return (
        JSON.parse(status.stdout) as {
          monitoring: { firing: { name: string; labels: Record<string, string> }[] };
        }
      ).monitoring.firing;
    };

    beforeAll(async () => {
      const t = images!.tags;
      // The certificate probe connects to the ingress controller's pod (Traefik, the harness's):
      // a NetworkPolicy matches the port a packet reaches the pod on (8443), not the Service's (443).
      const traefik = (
        await kindKubeConfig(kind!)
          .makeApiClient(k8s.CoreV1Api)
          .listNamespacedPod({ namespace: 'omrs-ingress', labelSelector: 'app=traefik' })
      ).items[0]!;
      root = mkdtempSync(join(tmpdir(), 'omrs-kind-monitoring-'));
      writeKindProfiles(root, t, kind!.cluster);
      writeFileSync(
        join(root, 'profiles', 'kind-monitoring.yaml'),
        `extends: kind-stack
seed:
  enabled: false
# Backups that run only when asked (omrs db backup): their report step on the nodes.
backup:
  enabled: true
  schedule: "0 0 1 1 *"
ingress:
  host: ${HOST}
  tls: { enabled: true, secretName: ${env}-tls }
monitoring:
  enabled: true
  scrapeInterval: 2s
  alertAfter: ${ALERT_AFTER_S}s
  # The volumes (local-path) are the host's disk: a CI machine under 10 % free (seen: 8 %) would
  # fire DatabaseDiskFilling and BackupVolumeFilling on a healthy environment.
  diskFreeBelow: 1
  certificates: { warnBefore: 60d, address: "${traefik.status!.podIP}:8443" }
  # Grafana's image cannot be built here (AGPL).
  grafana: { enabled: false }
  images:
    prometheus: ${t.prometheus}
    dbExporter: ${t.mysqldExporter}
    logs: ${t.victoriaLogs}
    logShipper: ${t.vlagent}
    diskExporter: ${t.nodeExporter}
    gatewayExporter: ${t.nginxExporter}
    certProbe: ${t.blackboxExporter}
    pushgateway: ${t.pushgateway}
`,
      );
      cliEnv = kindCliEnv(kind!, helm!);
      kc = kindKubeConfig(kind!);
      copyToKindEngine(kind!.dockerHost, [
        t.gateway,
        t.frontend,
        t.backend,
        t.mariadb,
        t.prometheus,
        t.mysqldExporter,
        t.victoriaLogs,
        t.vlagent,
        t.nodeExporter,
        t.nginxExporter,
        t.blackboxExporter,
        t.pushgateway,
      ]);
    }, STEP);

    afterAll(async () => {
      await stopOpen?.();
      await stopLogs?.();
      if (root) {
        await cli('down', '--volumes').catch(() => undefined);
        rmSync(root, { recursive: true, force: true });
      }
      await kc
        ?.makeApiClient(k8s.CoreV1Api)
        .deleteNamespace({ name: namespace })
        .catch(() => undefined);
      // The cluster's monitoring release, which `up` installed for this profile: no other test uses it.
      if (kc) await uninstallClusterMonitoring(kc);
    }, STEP);

    it(
      'up runs Prometheus and the exporter Ready under the hardening; the scrapes pass the enforced NetworkPolicies',
      async () => {
        expectOk(await cli('up'));
        const core = kc.makeApiClient(k8s.CoreV1Api);
        const pods = (await core.listNamespacedPod({ namespace })).items;
        for (const component of ['prometheus', 'db-exporter']) {
          const pod = pods.find((p) => p.metadata?.labels?.['app.kubernetes.io/component'] === component);
          expect(pod?.status?.conditions?.find((c) => c.type === 'Ready')?.status, component).toBe('True');
          const sc = pod!.spec!.containers[0]!.securityContext!;
          expect([sc.runAsNonRoot, sc.readOnlyRootFilesystem, sc.capabilities?.drop], component).toEqual([
            true,
            true,
            ['ALL'],
          ]);
        }
        const init = (
          await kc
            .makeApiClient(k8s.BatchV1Api)
            .readNamespacedJob({ name: `${env}-init-monitoring`, namespace })
        ).status?.succeeded;
        expect(init).toBe(1);

        // `omrs open prometheus`: a port-forward to the Prometheus pod, held until it is stopped.
        const open = background(['open', 'prometheus', ...onKind], root, cliEnv);
        stopOpen = open.stop;
        prometheus = await open.until('the URL', (t) => /(http:\/\/127\.0\.0\.1:\d+)\s/.exec(t)?.[1]);
        // Prometheus → backend and exporter → database: both through the policies, on real nodes.
        const backend = await until(
          'the backend scraped',
          async () => (await query('up{job="backend"} == 1'))[0],
          90_000,
        );
        expect(backend.metric).toMatchObject({ environment: env, tenant: 'default' });
        expect(
          await until('mysql_up == 1', async () => (await query('mysql_up == 1'))[0], 90_000),
        ).toBeDefined();
        // The sidecars: the gateway's exporter reads nginx's counters, found by the headless
        // Service's DNS name; the database's reads its volume (the claim, as the node mounts it).
        const gateway = await until(
          'the gateway scraped',
          async () => (await query('nginx_up{job="gateway"} == 1'))[0],
          90_000,
        );
        expect(gateway.metric).toMatchObject({ environment: env, service: 'gateway' });
        const disk = await until(
          'the database volume scraped',
          async () => (await query('node_filesystem_size_bytes{job="database-disk"}'))[0],
          90_000,
        );
        expect(disk.metric).toMatchObject({
          environment: env,
          service: 'database',
          mountpoint: '/var/lib/mysql',
        });
        expect(Number(disk.value[1])).toBeGreaterThan(0);
        for (const component of ['gateway', 'db']) {
          const pod = (await core.listNamespacedPod({ namespace })).items.find(
            (p) => p.metadata?.labels?.['app.kubernetes.io/component'] === component,
          );
          expect(
            pod?.status?.containerStatuses?.map((c) => `${c.name}:${c.ready}`).sort(),
            component,
          ).toEqual(
            component === 'db' ? ['disk-exporter:true', 'mariadb:true'] : ['exporter:true', 'gateway:true'],
          );
        }
        expect(await firing()).toEqual([]);
        // And nothing more: from another namespace, neither Prometheus nor an exporter answers.
        expect(
          await probeFromAnotherNamespace(core, namespace, images!.tags.mariadb, [
            'prometheus',
            'db-exporter',
            'gateway-metrics',
            'db/9100',
            'cert-probe',
          ]),
        ).toEqual([
          'cert-probe closed',
          'db-exporter closed',
          'db/9100 closed',
          'gateway-metrics closed',
          'prometheus closed',
        ]);
        // The HTTP, JVM and database dashboards as rendered for this cluster (Grafana is off: its
        // image cannot be built here): every panel's query answers from this Prometheus.
        const dashboards = (await core.readNamespacedConfigMap({ name: `${env}-dashboards`, namespace }))
          .data!;
        const vars = { environment: env, tenant: 'default' };
        for (const q of ['openmrs-http.json', 'openmrs-jvm.json', 'openmrs-database.json'].flatMap((d) =>
          panelQueries(dashboards, d, vars),
        ))
          await until(`${q.dashboard} “${q.panel}”: ${q.expr}`, async () => (await query(q.expr))[0], 60_000);
      },
      STEP,
    );

    it(
      'the cluster’s log store (namespace omrs-monitoring) holds the backend’s lines by environment and tenant, and no other pod’s',
      async () => {
        const apps = kc.makeApiClient(k8s.AppsV1Api);
        const shipper = await apps.readNamespacedDaemonSet({
          name: 'omrs-monitoring-log-shipper',
          namespace: 'omrs-monitoring',
        });
        // One shipper on every node that runs pods (the two workers), ready.
        expect(shipper.status?.numberReady).toBe(2);
        const container = shipper.spec!.template.spec!.containers[0]!;
        expect([
          container.securityContext?.capabilities?.drop,
          container.securityContext?.readOnlyRootFilesystem,
          container.securityContext?.allowPrivilegeEscalation,
        ]).toEqual([['ALL'], true, false]);
        const nodeMounts = container.volumeMounts!.filter((m) => m.mountPath.startsWith('/var/log'));
        expect(nodeMounts.map((m) => [m.mountPath, m.readOnly])).toEqual([
          ['/var/log/pods', true],
          ['/var/log/containers', true],
        ]);

        const open = background(['open', 'logs', ...onKind], root, cliEnv);
        stopLogs = open.stop;
        const logs = await open.until('the URL', (t) => /(http:\/\/127\.0\.0\.1:\d+)\s/.exec(t)?.[1]);
        const logsQuery = async (logsql: string): Promise<Record<string, string>[]> => {
          const response = await fetch(`${logs}/select/logsql/query?query=${encodeURIComponent(logsql)}`);
          expect(response.status, await response.clone().text()).toBe(200);
          const body = (await response.text()).trim();
          return body ? body.split('\n').map((line) => JSON.parse(line) as Record<string, string>) : [];
        };
        const ENV_FIELD = 'kubernetes.pod_labels.omrs.dev/env';
        const TENANT_FIELD = 'kubernetes.pod_labels.omrs.dev/tenant';
        const COMPONENT_FIELD = 'kubernetes.pod_labels.omrs.dev/component';
        const started = await until(
          'the backend’s start in the store',
          async () =>
            (
              await logsQuery(
                `"${ENV_FIELD}":=${env} "${TENANT_FIELD}":=default "${COMPONENT_FIELD}":=backend "stand-in started"`,
              )
            )[0],
          90_000,
        );
        expect(started).toMatchObject({
          [ENV_FIELD]: env,
          [TENANT_FIELD]: 'default',
          [COMPONENT_FIELD]: 'backend',
          'kubernetes.pod_namespace': namespace,
          'kubernetes.container_name': 'backend',
        });
        expect(started._msg).toMatch(/OpenMRS stand-in started/);
        // The database's output too, with no tenant.
        const db = await until(
          'the database’s output in the store',
          async () => (await logsQuery(`"${ENV_FIELD}":=${env} "${COMPONENT_FIELD}":=db`))[0],
          60_000,
        );
        expect(db[TENANT_FIELD]).toBeUndefined();
        // Only omrs environments' pods: nothing of kube-system, of the store or of the shipper.
        const namespaces = (await logsQuery('* | uniq by (kubernetes.pod_namespace)')).map(
          (r) => r['kubernetes.pod_namespace'],
        );
        expect(namespaces).toContain(namespace);
        expect(namespaces.filter((n) => !n?.startsWith('omrs-') || n === 'omrs-monitoring')).toEqual([]);

        // The shipper reaches the store through the enforced NetworkPolicies (the lines above); a pod
        // of another namespace does not. An environment's Grafana (any namespace, by its labels) may
        // query it: the probe pod carries Grafana's labels, since Grafana's image cannot be built here.
        const storeFrom = (labels: Record<string, string> = {}, openWithin = 0) =>
          probeFromAnotherNamespace(
            kc.makeApiClient(k8s.CoreV1Api),
            'omrs-monitoring',
            images!.tags.mariadb,
            ['logs'],
            labels,
            openWithin,
          );
        expect(await storeFrom()).toEqual(['logs closed']);
        expect(
          await storeFrom(
            { 'app.kubernetes.io/name': 'openmrs', 'app.kubernetes.io/component': 'grafana' },
            30,
          ),
        ).toEqual(['logs open']);
        // The logs dashboard as rendered for a cluster (its fields: the pods' labels): the store
        // takes its queries, and its every-line panel shows this environment's backend lines.
        const dashboards = (
          await kc
            .makeApiClient(k8s.CoreV1Api)
            .readNamespacedConfigMap({ name: `${env}-dashboards`, namespace })
        ).data!;
        const logsPanels = panelQueries(dashboards, 'openmrs-logs.json', {
          environment: env,
          tenant: 'default',
          service: 'backend',
        });
        for (const q of logsPanels) await logsQuery(q.expr);
        const lines = await logsQuery(logsPanels.find((q) => q.panel === 'All lines')!.expr);
        expect(lines.length).toBeGreaterThan(0);
        for (const r of lines)
          expect(r).toMatchObject({
            [ENV_FIELD]: env,
            [TENANT_FIELD]: 'default',
            [COMPONENT_FIELD]: 'backend',
          });

        // `omrs status` says where the environment's logs are, and that the store and shipper run.
        const status = await cli('status', '--json');
        expectOk(status);
        expect(JSON.parse(status.stdout)).toMatchObject({ logStore: { namespace: 'omrs-monitoring' } });
        expect(JSON.parse(status.stdout).logStore.problem).toBeUndefined();

        // A second `up` finds the release as it is: nothing to do, for the environment or the cluster's part.
        const again = await cli('up', '--json');
        expectOk(again);
        expect(JSON.parse(again.stdout)).toMatchObject({ noop: true, changes: [] });

        // The shipper deleted by hand: the next `up` applies the cluster's release again.
        await apps.deleteNamespacedDaemonSet({
          name: 'omrs-monitoring-log-shipper',
          namespace: 'omrs-monitoring',
        });
        const repaired = await cli('up', '--json');
        expectOk(repaired);
        expect(JSON.parse(repaired.stdout).changes).toContain(
          'Release/omrs-monitoring in namespace omrs-monitoring',
        );
        const back = await apps.readNamespacedDaemonSet({
          name: 'omrs-monitoring-log-shipper',
          namespace: 'omrs-monitoring',
        });
        expect(back.status?.numberReady).toBe(2);
      },
      STEP,
    );

    it(
      'a backend with no pod fires BackendDown within its window; status names it; back, it resolves',
      async () => {
        const apps = kc.makeApiClient(k8s.AppsV1Api);
        const name = `${env}-backend-default`;
        const scale = (replicas: number) =>
          apps.patchNamespacedDeploymentScale(
            { name, namespace, body: { spec: { replicas } } },
            k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
          );
        const stoppedAt = Date.now();
        await scale(0);
        const alert = await until(
          'BackendDown in omrs status',
          async () => (await firing()).find((a) => a.name === 'BackendDown'),
          (ALERT_AFTER_S + 90) * 1000,
        );
        expect(alert.labels).toMatchObject({ tenant: 'default', environment: env });
        expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(ALERT_AFTER_S * 1000);
        // The cockpit lists the environment on the cluster; its dashboard's source reports the alert.
        const shell = environmentSources({
          cwd: root,
          env: { ...process.env, ...cliEnv },
          signal: new AbortController().signal,
        });
        const listed = (await shell.listEnvironments()).find((e) => e.name === env);
        expect(listed).toMatchObject({ namespace });
        const opened = await shell.dashboardFor(listed!);
        try {
          const refreshed = await opened.source.refresh();
          expect(refreshed.monitoring?.firing.map((a) => `${a.name}:${a.labels.tenant}`)).toContain(
            'BackendDown:default',
          );
        } finally {
          opened.close();
        }

        // The backend back (as after a node came back): the alert resolves.
        await scale(1);
        await until(
          'BackendDown resolved',
          async () => ((await firing()).some((a) => a.name === 'BackendDown') ? undefined : true),
          90_000,
        );
      },
      STEP,
    );

    it(
      'a backup run on the nodes reports its success and the backup volume’s size and free bytes; the backups dashboard answers',
      async () => {
        const run = await cli('db', 'backup', '--json');
        expectOk(run);
        expect(JSON.parse(run.stdout)).toMatchObject({ result: 'succeeded' });
        // The report step (the Pushgateway's image) mounts the claim the dump wrote and reads it with df.
        const size = await until(
          'the backup volume’s size in Prometheus',
          async () => (await query(`omrs_backup_volume_size_bytes{environment="${env}"}`))[0],
          90_000,
        );
        const [avail] = await query(`omrs_backup_volume_avail_bytes{environment="${env}"}`);
        expect(Number(size.value[1])).toBeGreaterThan(0);
        expect(Number(avail!.value[1])).toBeGreaterThan(0);
        expect(Number(avail!.value[1])).toBeLessThanOrEqual(Number(size.value[1]));
        const [success] = await query(`omrs_backup_last_success_timestamp_seconds{environment="${env}"}`);
        expect(success?.metric).toMatchObject({ tenant: 'default' });
        const dashboards = (
          await kc
            .makeApiClient(k8s.CoreV1Api)
            .readNamespacedConfigMap({ name: `${env}-dashboards`, namespace })
        ).data!;
        for (const q of panelQueries(dashboards, 'openmrs-backups.json', {
          environment: env,
          tenant: 'default',
        }))
          expect((await query(q.expr)).length, `${q.panel}: ${q.expr}`).toBeGreaterThan(0);
      },
      STEP,
    );

    it(
      'the certificate the Ingress serves is read through the controller; one that ends within warnBefore fires CertificateExpiring',
      async () => {
        // Before: no Secret yet, so the controller serves its own default certificate (a year), and
        // the probe reaches it through the policies.
        const served = async () =>
          (await query(`probe_ssl_earliest_cert_expiry{job="certificates",host="${HOST}"}`))[0];
        expect(await until('the probe’s first reading', served, 90_000)).toBeDefined();
        // A certificate of 30 days for the host (the test's part: what cert-manager or a person would
        // put in the Secret), inside warnBefore (60 days).
        const dir = mkdtempSync(join(tmpdir(), 'omrs-kind-cert-'));
        execFileSync(
          'openssl',
          [
            'req',
            '-x509',
            '-newkey',
            'rsa:2048',
            '-nodes',
            '-days',
            '30',
            '-subj',
            `/CN=${HOST}`,
            '-addext',
            `subjectAltName=DNS:${HOST}`,
            '-keyout',
            join(dir, 'tls.key'),
            '-out',
            join(dir, 'tls.crt'),
          ],
          { stdio: 'ignore' },
        );
        const crt = readFileSync(join(dir, 'tls.crt'), 'utf8');
        const notAfter = Date.parse(new X509Certificate(crt).validTo) / 1000;
        await kc.makeApiClient(k8s.CoreV1Api).createNamespacedSecret({
          namespace,
          body: {
            metadata: { name: `${env}-tls` },
            type: 'kubernetes.io/tls',
            data: {
              'tls.crt': Buffer.from(crt).toString('base64'),
              'tls.key': readFileSync(join(dir, 'tls.key')).toString('base64'),
            },
          },
        });
        rmSync(dir, { recursive: true, force: true });
        // The probe reads exactly that certificate's end, as the controller serves it for the host.
        await until(
          'the new certificate served',
          async () => (Number((await served())?.value[1]) === notAfter ? true : undefined),
          90_000,
        );
        const alert = await until(
          'CertificateExpiring in omrs status',
          async () => (await firing()).find((a) => a.name === 'CertificateExpiring'),
          (ALERT_AFTER_S + 90) * 1000,
        );
        expect(alert.labels).toMatchObject({ host: HOST, environment: env });
      },
      STEP,
    );

    it(
      'logs reads every container of a pod from the kubelet: the gateway’s exporter sidecar is named gateway/exporter',
      async () => {
        const json = await cli('logs', 'gateway', '--tail', '50', '--json');
        expectOk(json);
        const lines = json.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { service: string; container?: string; line: string });
        // nginx (the main container) and the NGINX exporter beside it, which logs its start.
        expect(lines.some((l) => l.service === 'gateway' && l.container === undefined)).toBe(true);
        expect(
          lines.some((l) => l.service === 'gateway' && l.container === 'exporter'),
          json.stdout,
        ).toBe(true);
        const text = await cli('logs', '--tail', '50');
        expectOk(text);
        expect(text.stdout).toMatch(/^gateway\/exporter \| /m);
        expect(text.stdout).toMatch(/^db\/disk-exporter \| /m);
      },
      STEP,
    );

    it(
      'a sidecar that cannot start fails the up: the report names the container, its state and its own last lines; the running gateway serves on',
      async () => {
        // A real fault: the wrong image for the gateway's exporter (the node exporter, which refuses
        // the NGINX exporter's flags and exits). The pod's main container, nginx, runs fine.
        writeFileSync(
          join(root, 'profiles', 'kind-monitoring-badsidecar.yaml'),
          `extends: kind-monitoring\ntimeouts: { gateway: 30s }\nmonitoring:\n  images:\n    gatewayExporter: ${images!.tags.nodeExporter}\n`,
        );
        const core = kc.makeApiClient(k8s.CoreV1Api);
        const gateways = async () =>
          (await core.listNamespacedPod({ namespace, labelSelector: 'app.kubernetes.io/component=gateway' }))
            .items;
        const before = (await gateways()).map((p) => p.metadata!.name!);
        const bad = await runCli(
          ['up', '--runtime', 'kind', '--env', env, '--profile', 'kind-monitoring-badsidecar'],
          {
            cwd: root,
            env: cliEnv,
          },
        );
        expect(bad.code, bad.stdout + bad.stderr).not.toBe(0);
        const pod = /container exporter of pod (\S+): ([^\n]+)/.exec(bad.stderr);
        expect(pod, bad.stderr).not.toBeNull();
        // The new pod, not the old one that still serves.
        expect(before).not.toContain(pod![1]);
        expect(pod![2]).toMatch(/CrashLoopBackOff|exited with code 1|restarted/);
        // The exporter's own words, not nginx's.
        expect(bad.stderr).toMatch(/unknown long flag '--nginx\.scrape-uri'/);
        expect(bad.stderr).toMatch(/Rolled back to revision \d+/);
        // The rollback leaves a gateway that serves: the old pod, Ready.
        const ready = await until(
          'a Ready gateway after the rollback',
          async () =>
            (await gateways()).find(
              (p) =>
                !p.metadata?.deletionTimestamp &&
                p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True',
            ),
          60_000,
        );
        expect(ready.spec!.containers.find((c) => c.name === 'exporter')!.image).toContain('nginx-exporter');
      },
      STEP,
    );
  },
);
