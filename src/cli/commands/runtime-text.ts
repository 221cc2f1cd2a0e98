// The text of the runtime commands' results: one renderer per operation, whatever runtime
// answered (each result has one shape; a field only one runtime has is printed when present).
import { stripVTControlCharacters } from 'node:util';
import type { EnvCreated, EnvGc, EnvList } from '../../envs/lifecycle.js';
import type { DestroyResult } from '../../envs/destroy.js';
import type { DestroyScope, DownResult, OpenHandle, StatusResult, UpResult } from '../../runtime/runtime.js';
import { alertDetail } from '../../runtime/alerts.js';
import { table } from '../../ui/format.js';
import type { Colors } from '../../ui/output-types.js';

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

/** "on kind-omrs (namespace omrs-dev, revision 3)" on a cluster; nothing on Docker. */
const onCluster = (r: { context?: string; namespace?: string; revision?: number }): string =>
  r.context
    ? ` on ${r.context} (namespace ${r.namespace}${r.revision !== undefined ? `, revision ${r.revision}` : ''})`
    : '';

export function upText(r: UpResult, c: Colors): string {
  const lines = [
    r.noop
      ? `${c.green('✔')} ${c.bold(r.env)} is up to date: nothing changed (${r.durationMs} ms)`
      : `${c.green('✔')} ${c.bold(r.env)} is up${onCluster(r)} (${(r.durationMs / 1000).toFixed(1)} s): ${plural(r.changes.length, 'change')}`,
  ];
  if (r.url) lines.push(`  ${c.dim('open:')}  ${c.cyan(r.url)}`);
  else if (r.context)
    lines.push(
      `  ${c.dim(`omrs open --runtime ${r.runtime} --env ${r.env}`)} forwards the gateway to 127.0.0.1`,
    );
  if (r.prometheusUrl)
    lines.push(`  ${c.dim('alerts:')} ${c.cyan(r.prometheusUrl)} ${c.dim('(Prometheus)')}`);
  if (r.logsUrl) lines.push(`  ${c.dim('logs:')}   ${c.cyan(r.logsUrl)} ${c.dim('(VictoriaLogs)')}`);
  if (r.grafanaUrl) lines.push(`  ${c.dim('dashboards:')} ${c.cyan(r.grafanaUrl)} ${c.dim('(Grafana)')}`);
  if (r.admin) lines.push(`  ${c.dim('login:')} ${r.admin.user} / ${r.admin.password}`);
  for (const line of r.seeded ?? []) lines.push(`  ${c.dim('seed')} ${line}`);
  return lines.join('\n');
}

export function downText(r: DownResult, c: Colors): string {
  return [
    `${c.green('✔')} environment ${c.bold(r.env)} is down${r.context ? ` on ${r.context}` : ''}${
      r.removed.length === 0 ? ' (nothing was running)' : `: ${r.removed.join(', ')} removed`
    }`,
    ...(r.kept.length > 0
      ? [c.dim(`  kept volumes: ${r.kept.join(', ')} (remove them with --volumes)`)]
      : []),
  ].join('\n');
}

export function statusText(s: StatusResult, c: Colors): string {
  if (!s.exists)
    return `environment ${c.bold(s.env)} is not running${onCluster(s)}. Start it with \`omrs up --runtime ${s.runtime} --env ${s.env}\`.`;
  const runtime = (v: string): string => (v === 'ok' ? c.green(v) : v === 'error' ? c.red(v) : c.yellow(v));
  const health = (v: string): string =>
    v === 'healthy' ? c.green(v) : v === 'unhealthy' ? c.red(v) : c.dim(v);
  const columns: [string, (x: StatusResult['services'][number]) => string][] = [
    ['SERVICE', (x) => c.bold(x.name)],
    ['RUNTIME', (x) => runtime(x.runtime)],
    ['HEALTH', (x) => health(x.health)],
    ['KIND', (x) => x.kind],
    ['RESTARTS', (x) => (x.restarts === undefined ? '' : String(x.restarts))],
    ['EXIT', (x) => (x.exitCode !== undefined && x.runtime !== 'ok' ? String(x.exitCode) : '')],
    ['PORTS', (x) => (x.ports ?? []).join(', ')],
    ['DETAIL', (x) => c.dim(x.detail ?? '')],
  ];
  // A column no service has a value in (restarts and ports on a cluster) is left out.
  const shown = columns.filter(
    ([header, cell]) => header === 'SERVICE' || s.services.some((x) => stripVTControlCharacters(cell(x))),
  );
  const release =
    s.revision !== undefined ? `, revision ${s.revision} (${s.releaseStatus ?? 'unknown'})` : '';
  return [
    `${c.bold(s.env)}${s.profile ? c.dim(` (profile ${s.profile})`) : ''}${s.context ? c.dim(` namespace ${s.namespace} on ${s.context}${release}`) : ''}${s.url ? `  ${c.cyan(s.url)}` : ''}`,
    table(
      shown.map(([header]) => header),
      s.services.map((x) => shown.map(([, cell]) => cell(x))),
      c.dim,
    ),
    ...(s.backup ? [backupLine(s.backup, c)] : []),
    ...(s.monitoring ? alertLines(s.monitoring, c) : []),
    ...(s.logsUrl
      ? [`logs ${c.dim(`(${s.logsUrl})`)}: by environment, tenant and service ${c.dim('(`omrs open logs`)')}`]
      : []),
    ...grafanaLines(s, c),
    ...(s.logStore ? [logStoreLine(s.logStore, c)] : []),
    ...(s.drift
      ? [`${c.yellow('drift')}: ${s.drift.join('; ')} ${c.dim('(`omrs up` applies the release again)')}`]
      : []),
    ...(s.globalProperties ?? []).map((g) => propertiesLine(g, c)),
  ].join('\n');
}

function alertLines(m: NonNullable<StatusResult['monitoring']>, c: Colors): string[] {
  const head = `alerts ${c.dim(`(${m.url})`)}:`;
  if (m.error) return [`${head} ${c.yellow('not read')} ${c.dim(`(${m.error})`)}`];
  const pending = m.pending.length ? c.dim(`; pending: ${m.pending.join(', ')}`) : '';
  if (!m.firing.length) return [`${head} ${c.green('none firing')}${pending}`];
  return [
    `${head} ${c.red(`${m.firing.length} firing`)}${pending}`,
    ...m.firing.map((a) => `  ${c.red(a.name)} ${c.dim(`(${alertDetail(a)})`)} ${a.summary}`),
  ];
}

/** Where the OpenMRS dashboards are: Grafana's address on Docker, its service on a cluster. */
function grafanaLines(s: StatusResult, c: Colors): string[] {
  const hint = c.dim(`(\`omrs open grafana\`${s.context ? ' forwards a port to it' : ''})`);
  if (s.grafanaUrl)
    return [`dashboards ${c.dim(`(${s.grafanaUrl})`)}: the OpenMRS dashboards in Grafana ${hint}`];
  if (s.context && s.services.some((x) => x.component === 'grafana'))
    return [`dashboards: the OpenMRS dashboards in Grafana ${hint}`];
  return [];
}

function logStoreLine(l: NonNullable<StatusResult['logStore']>, c: Colors): string {
  const head = `logs ${c.dim(`(the cluster's store, namespace ${l.namespace})`)}:`;
  if (l.problem) return `${head} ${c.yellow(l.problem)}`;
  return `${head} by the pod labels omrs.dev/env, omrs.dev/tenant and omrs.dev/component ${c.dim('(`omrs open logs`)')}`;
}

function backupLine(b: NonNullable<StatusResult['backup']>, c: Colors): string {
  const bad = b.stale || b.lastRun?.result === 'failed';
  return `backup ${c.dim(`(${b.schedule})`)}: ${(bad ? c.red : b.lastSuccess ? c.green : c.dim)(b.detail)}`;
}

function propertiesLine(g: NonNullable<StatusResult['globalProperties']>[number], c: Colors): string {
  const head = `global properties of ${c.bold(g.tenant)}:`;
  if (g.error) return `${head} ${c.yellow('not read')} ${c.dim(`(${g.error})`)}`;
  const total = g.applied + g.differ.length + g.missing.length;
  const ok = g.applied === total;
  return [
    `${head} ${(ok ? c.green : c.yellow)(`${g.applied} of ${total} applied`)}`,
    ...(g.missing.length ? [c.dim(`not in the database yet: ${g.missing.join(', ')}`)] : []),
    ...(g.differ.length ? [c.dim(`another value in the database: ${g.differ.join(', ')}`)] : []),
  ].join('  ');
}

export function openText(h: OpenHandle, c: Colors): string {
  return h.pod ? `${c.cyan(h.url)} ${c.dim(`→ ${h.pod} (Ctrl-C stops forwarding)`)}` : h.url;
}

/** A colour per service, in the order services first appear. */
export function serviceColours(c: Colors): (service: string) => (s: string) => string {
  const palette = [c.cyan, c.magenta, c.yellow, c.green, c.blue, c.red];
  const assigned = new Map<string, (s: string) => string>();
  return (service) => {
    let colour = assigned.get(service);
    if (!colour) {
      colour = palette[assigned.size % palette.length]!;
      assigned.set(service, colour);
    }
    return colour;
  };
}

export function envCreatedText(r: EnvCreated, c: Colors): string {
  const where = r.namespace ? `namespace ${r.namespace}` : `network ${r.network}`;
  return [
    `${c.green('✔')} environment ${c.bold(r.name)} is ${r.up?.noop ? 'up to date' : 'up'} on ${r.context ?? 'Docker'}${r.url ? ` at ${r.url}` : ''} (${where}), expires ${r.expires}`,
    c.dim(`  ${r.seedNote}`),
  ].join('\n');
}

/** One line per environment whose bookkeeping is broken: what is wrong and what to do about it. */
function problemLines(envs: { name: string; problem?: string }[], c: Colors, prefix = ''): string[] {
  return envs.flatMap((e) =>
    e.problem === undefined
      ? []
      : [
          c.yellow(
            `warning: ${prefix}${e.name}: ${e.problem}; \`omrs env gc\` leaves it alone, \`omrs env extend ${e.name} --ttl 4h\` sets a new expiry, \`omrs env rm ${e.name}\` removes it`,
          ),
        ],
  );
}

export function envListText(r: EnvList, c: Colors, humanSeconds: (seconds: number) => string): string {
  const envs = r.environments;
  return [
    ...(r.notes ?? []).map((n) => c.dim(`note: ${n}`)),
    envs.length === 0
      ? 'no disposable environments'
      : table(
          ['NAME', 'RUNTIME', 'URL', 'AGE', 'EXPIRES IN', 'STATE', 'OWNER'],
          envs.map((e) => [
            c.bold(e.name),
            e.runtime,
            e.url,
            humanSeconds(e.ageSeconds),
            e.expiresInSeconds === null
              ? c.red('invalid label value')
              : e.expiresInSeconds <= 0
                ? c.red(humanSeconds(e.expiresInSeconds))
                : humanSeconds(e.expiresInSeconds),
            e.state,
            c.dim(e.owner),
          ]),
          c.dim,
        ),
    ...problemLines(envs, c),
  ].join('\n');
}

export function envGcText(r: EnvGc, c: Colors): string {
  return [
    ...(r.notes ?? []).map((n) => c.dim(`note: ${n}`)),
    ...problemLines(r.skipped, c, 'skipped '),
    r.removed.length === 0
      ? `nothing expired (${r.kept} environments kept)`
      : `${c.green('✔')} ${r.dryRun ? 'would remove' : 'removed'} ${r.removed.length}: ${r.removed.map((x) => x.name).join(', ')} (${r.kept} kept)`,
  ].join('\n');
}

/** What `omrs destroy` is about to remove, shown before its question. */
export function destroyScopeText(
  scope: DestroyScope,
  infrastructure?: { root: string; summary: string },
): string {
  const where = scope.context ? ` (context ${scope.context})` : '';
  return [
    `omrs destroy removes environment ${scope.env} on ${scope.runtime}${where}:`,
    ...scope.objects.map((o) => `  - ${o}`),
    ...(infrastructure ? [`  - Terraform root ${infrastructure.root}: ${infrastructure.summary}`] : []),
    ...scope.databases.map(
      (d) => `  a final snapshot is taken first of ${d.where}: ${d.tenants.join(', ') || 'no tenant'}`,
    ),
    ...scope.kept.map((k) => `  kept: ${k}`),
  ].join('\n');
}

export function destroyText(result: DestroyResult, c: Colors): string {
  if (result.nothing)
    return `${c.dim('○')} nothing carries the label of environment ${result.env} on ${result.runtime}: nothing to destroy`;
  return [
    `${c.green('✔')} destroyed ${c.bold(result.env)} on ${result.runtime}`,
    ...result.snapshots.map((s) =>
      c.dim(`  snapshot ${s.name} of ${s.tenant} → ${s.file} (${(s.bytes / 1024).toFixed(0)} KiB)`),
    ),
    ...result.removed.map((r) => c.dim(`  removed ${r}`)),
    ...(result.infrastructure
      ? [c.dim(`  Terraform root ${result.infrastructure.root} destroyed (${result.infrastructure.summary})`)]
      : []),
    ...result.kept.map((k) => c.dim(`  kept ${k}`)),
  ].join('\n');
}
