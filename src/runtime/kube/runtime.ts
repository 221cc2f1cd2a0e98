// The kube runtime (kube, kind, minikube, eks) behind the Runtime interface: the context guard
// approves a target once per command (kind and minikube first make sure their cluster exists
// for `up`), and every method hands over to the kube use case on that target.
import { ExitCode, OmrsError } from '../../errors.js';
import type { Runtime, RuntimeDeps, RuntimeKind, RuntimeRequest } from '../runtime.js';
import { connect, type KubeRequest, type Target } from './connect.js';
import { kubeSource } from './dashboard-source.js';
import { tenantDatabaseOf } from './database.js';
import { kubeLogs } from './logs.js';
import { kubeOpen } from './open.js';
import { prepareCluster } from './providers/prepare.js';
import { restartService } from './restart.js';
import { fetchBackup, listBackups, runBackup } from './backups.js';
import { kubeDestroy, kubeDestroyScope, kubeFinalSnapshot, type KubeDestroyScope } from './destroy.js';
import { kubeDown } from './down.js';
import { kubeStatus } from './status.js';
import { kubeUp } from './up.js';

export function kubeRuntime(request: RuntimeRequest, deps: RuntimeDeps, kind: RuntimeKind): Runtime {
  const kube: KubeRequest = { ...request, runtime: kind };
  let target: Promise<Target> | undefined;
  /** The scopes this runtime answered: destroy removes what was shown, not what appeared since. */
  const scopes = new WeakMap<object, KubeDestroyScope>();
  /** The approved target; the first call's action is what the guard asks about (`upgrade dev`). */
  const targetFor = (action: string, prepare = false): Promise<Target> =>
    (target ??= (prepare ? prepareCluster(kube, deps) : Promise.resolve(deps)).then((d) =>
      connect(kube, d, action),
    ));

  return {
    kind,

    async up(options) {
      const t = await targetFor('upgrade', true);
      const result = await kubeUp({ ...kube, ...(options.seed === false && { seed: false }) }, deps, t);
      return { ...result, runtime: kind };
    },

    async down(options) {
      const result = await kubeDown(
        { ...kube, ...(options.volumes && { volumes: true }) },
        deps,
        await targetFor('take down'),
      );
      return {
        ...result,
        runtime: kind,
        removed: [
          ...(result.uninstalled ? [`release ${result.env}`] : []),
          ...(result.deletedPvcs.length ? [`${result.deletedPvcs.length} volume claims`] : []),
          ...(result.namespaceDeleted ? [`namespace ${result.namespace}`] : []),
        ],
        kept: result.keptPvcs,
      };
    },

    async status() {
      const result = await kubeStatus(kube, deps, await targetFor('read'));
      return { ...result, runtime: kind };
    },

    async logs(options, sink) {
      const t = await targetFor('read logs of');
      const result = await kubeLogs(
        { ...kube, ...options },
        { ...deps, onLine: (line) => sink.onLine(line) },
        t,
      );
      if (result.pods.length === 0)
        throw result.services.length === 0
          ? new OmrsError({
              code: 'ENV_NOT_FOUND',
              message: `environment ${t.env} has no pods`,
              exitCode: ExitCode.failed,
              hint: `Start it with \`omrs up --runtime ${kind}\`; \`omrs status --runtime ${kind}\` lists what runs.`,
            })
          : new OmrsError({
              code: 'SERVICE_NOT_FOUND',
              message: `environment ${t.env} has no service "${options.service}"`,
              exitCode: ExitCode.usage,
              hint: `Services: ${result.services.join(', ')}.`,
            });
      for (const { pod, reason } of result.unavailable) sink.onNote?.(`no log from pod ${pod}: ${reason}`);
      if (result.unavailable.length === result.streams && !deps.signal.aborted)
        throw new OmrsError({
          code: 'LOGS_UNAVAILABLE',
          message: `no log could be read from ${result.pods.length === 1 ? 'the pod' : `any of the ${result.pods.length} pods`}`,
          exitCode: ExitCode.failed,
          hint: 'The reasons above come from the API server; `omrs status` shows whether the pods run.',
        });
      return { services: options.service ? [options.service] : result.services };
    },

    async open(options = {}) {
      const t = await targetFor('open');
      const handle = await kubeOpen({ ...kube, ...(options.target && { target: options.target }) }, deps, t);
      return { env: t.env, ...handle, forwarding: true };
    },

    async restart(options) {
      return restartService(await targetFor('restart a service of'), options.service, {
        cwd: deps.cwd,
        env: deps.env,
        events: deps.events,
        signal: deps.signal,
        ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
      });
    },

    async seedTarget(options) {
      return tenantDatabaseOf(await targetFor('reach the database of'), options.tenant, deps.events);
    },

    async dashboardSource(options) {
      const t = await targetFor('open');
      return kubeSource({
        target: options.namespace ? { ...t, namespace: options.namespace } : t,
        bus: options.bus,
        env: deps.env,
        cwd: deps.cwd,
        signal: deps.signal,
      });
    },

    async destroyScope() {
      const scope = await kubeDestroyScope(await targetFor('destroy'));
      scopes.set(scope, scope);
      return scope;
    },

    async backups() {
      return listBackups(await targetFor('read the backups of'));
    },

    async runBackup(options) {
      return runBackup(await targetFor('run a backup in'), options.timeoutMs, deps.signal);
    },

    async fetchBackup(id, tenant, file) {
      return fetchBackup(await targetFor('read the backups of'), id, tenant, file);
    },

    async finalSnapshot(scope, name) {
      return kubeFinalSnapshot(await targetFor('destroy'), scope, name, deps);
    },

    async destroy(scope) {
      const t = await targetFor('destroy');
      const { removed } = await kubeDestroy(t, scopes.get(scope) ?? (await kubeDestroyScope(t)), deps);
      return {
        env: t.env,
        runtime: kind,
        context: t.decision.context,
        removed,
        kept: scope.kept,
        namespaceDeleted: removed.some((r) => r.startsWith('namespace ')),
      };
    },
  };
}
