// The shell's actions (src/ui/shell/actions.ts) wired to the use cases the plain commands call:
// `u` is `omrs up` through selectRuntime, `s` is `omrs down`, `n`/`x`/`D`/`g` are `omrs env
// create|extend|rm|gc`. Only the one-line results are the shell's own.
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pc from 'picocolors';
import { ExitCode, InterruptedError, OmrsError, isOmrsError } from '../errors.js';
import type {
  ActionDeps,
  PromoteChoices,
  QaRecordChoice,
  RuntimeOption,
  ShellActions,
  StartChoices,
} from '../ui/shell/actions.js';
import type { EnvironmentSummary } from '../ui/shell/types.js';
import type { Io } from '../ui/io.js';

/** How long `m` → backup waits for the run (`omrs db backup`'s default --timeout). */
const BACKUP_TIMEOUT_MS = 10 * 60_000;

/** Runtimes that are clusters omrs makes itself (kind, minikube); the others are contexts. */
const PROVIDERS = ['kind', 'minikube'];

export function shellActions(io: Io): ShellActions {
  /** What a use case gets: the shell's cwd and env, the job's bus, its signal or the process's. */
  const depsOf = (deps: ActionDeps) => ({
    cwd: io.cwd,
    env: io.env,
    events: deps.events,
    signal: AbortSignal.any([deps.signal, io.signal]),
    interactive: true,
    confirm: deps.confirm,
  });
  /** A use case that finished after Esc or Ctrl-C still ends as interrupted, as the command does. */
  const settled = <T>(deps: ActionDeps, what: string, result: T): T => {
    if (deps.signal.aborted || io.signal.aborted) throw new InterruptedError(what);
    return result;
  };
  return {
    async startChoices(name) {
      const [{ openProfile }, { envNameOf }, { loadKubeConfig }] = await Promise.all([
        import('../profile/index.js'),
        import('../render/env-name.js'),
        import('../runtime/kube/client.js'),
      ]);
      const { name: profile, profile: p } = await openProfile(name, io);
      const env = envNameOf(profile);
      const options: RuntimeOption[] = [
        { runtime: 'compose', note: 'Docker on this machine' },
        { runtime: 'kind', note: `kind cluster ${p.cluster.kind?.name ?? 'omrs'} (created when missing)` },
        {
          runtime: 'minikube',
          note: `minikube profile ${p.cluster.minikube?.profile ?? 'omrs'} (started when stopped)`,
        },
      ];
      const notes: string[] = [];
      try {
        const { config } = await loadKubeConfig(io.env);
        const current = config.getCurrentContext();
        // A profile that runs on a cluster it does not create (kube, eks) keeps its runtime there.
        const runtime = p.runtime === 'compose' || PROVIDERS.includes(p.runtime) ? 'kube' : p.runtime;
        for (const { name: context } of config.getContexts()) {
          const named = context === p.cluster.context;
          options.push({
            runtime,
            context,
            note: named ? "the profile's context" : context === current ? 'current context' : 'context',
            ...(!named && { confirmName: env }),
          });
        }
      } catch (error) {
        if (!isOmrsError(error)) throw error;
        notes.push(`no kube contexts: ${error.message}`);
      }
      const preferred =
        options.find((o) => o.context !== undefined && o.context === p.cluster.context) ??
        options.find((o) => o.context === undefined && o.runtime === p.runtime);
      if (preferred) preferred.preferred = true;
      return { profile, env, options, notes } satisfies StartChoices;
    },

    async up(profile, option, deps) {
      const [{ selectRuntime }, { upText }] = await Promise.all([
        import('../runtime/select.js'),
        import('./commands/runtime-text.js'),
      ]);
      const runtime = await selectRuntime(
        { profile, runtime: option.runtime, ...(option.context && { context: option.context }) },
        depsOf(deps),
      );
      const r = settled(deps, 'up', await runtime.up({}));
      return {
        line: textOf(upText(r, PLAIN)),
        ...(r.url && { url: r.url }),
        source: await runtime.dashboardSource({ bus: deps.events, profile }),
      };
    },

    async down(env, deps) {
      const [{ selectRuntime }, { downText }] = await Promise.all([
        import('../runtime/select.js'),
        import('./commands/runtime-text.js'),
      ]);
      const runtime = await selectRuntime(envRequest(env), depsOf(deps));
      return textOf(downText(settled(deps, 'down', await runtime.down({})), PLAIN));
    },

    async createEnv(request, deps) {
      const [{ createEnvironment }, { envCreatedText }] = await Promise.all([
        import('../envs/lifecycle.js'),
        import('./commands/runtime-text.js'),
      ]);
      const made = await createEnvironment(request, depsOf(deps));
      return textOf(envCreatedText(settled(deps, 'env create', made), PLAIN));
    },

    async snapshotNames() {
      const { snapshotNames } = await import('../seed/snapshot.js');
      return snapshotNames(io.cwd);
    },

    async extendEnv(env, ttl, deps) {
      const { extendEnvironment } = await import('../envs/lifecycle.js');
      const r = await extendEnvironment({ ...envScope(env), name: env.name, ttl }, depsOf(deps));
      return settled(deps, 'env extend', `${env.name} now expires ${r.expires}`);
    },

    async removeEnv(env, deps) {
      const { removeEnvironment } = await import('../envs/lifecycle.js');
      const r = await removeEnvironment({ ...envScope(env), name: env.name }, depsOf(deps));
      return settled(deps, 'env rm', `removed ${env.name} (${r.removed.join(', ')})`);
    },

    async destroyEnv(env, deps) {
      const [{ selectRuntime }, { destroyEnvironment }, { destroyScopeText, destroyText }] =
        await Promise.all([
          import('../runtime/select.js'),
          import('../envs/destroy.js'),
          import('./commands/runtime-text.js'),
        ]);
      const runtime = await selectRuntime(envRequest(env), depsOf(deps));
      const result = await destroyEnvironment(runtime, {
        confirm: (scope, infrastructure) =>
          deps.confirm(`${destroyScopeText(scope, infrastructure)}\nType ${scope.env} to destroy it:`),
        now: new Date(),
        signal: depsOf(deps).signal,
      });
      return textOf(destroyText(settled(deps, 'destroy', result), PLAIN));
    },

    async gcEnvs(deps) {
      const [{ gcEnvironments }, { envGcText }] = await Promise.all([
        import('../envs/lifecycle.js'),
        import('./commands/runtime-text.js'),
      ]);
      return textOf(envGcText(settled(deps, 'env gc', await gcEnvironments({}, depsOf(deps))), PLAIN));
    },

    async check(profile, deps) {
      const { runCheck } = await import('../checks/index.js');
      const { cwd, env, signal, events } = depsOf(deps);
      return settled(deps, 'check', await runCheck({ paths: [], profile, events }, { cwd, env, signal }));
    },

    async explainRule(rule) {
      const { findRule, ruleMeta } = await import('../checks/rules/index.js');
      const found = findRule(rule);
      if (!found)
        throw new OmrsError({
          code: 'CHECK_UNKNOWN_RULE',
          message: `no rule ${rule}`,
          exitCode: ExitCode.usage,
          hint: 'List the rules with `omrs check --list`.',
        });
      return ruleMeta(found);
    },

    async showProfile(name) {
      const [{ openProfile }, { renderProfileYaml }, { appDigest }] = await Promise.all([
        import('../profile/index.js'),
        import('../profile/show.js'),
        import('../profile/digest.js'),
      ]);
      const resolved = await openProfile(name, io);
      return {
        name: resolved.name,
        runtime: resolved.profile.runtime,
        appDigest: appDigest(resolved.profile),
        text: renderProfileYaml(resolved, { origins: true, cwd: io.cwd }),
      };
    },

    async data(env, action, deps) {
      const [{ selectRuntime }, { seed, purge, urlTarget }, { snapshot, restore }] = await Promise.all([
        import('../runtime/select.js'),
        import('../seed/index.js'),
        import('../seed/snapshot.js'),
      ]);
      const d = depsOf(deps);
      // The database of the environment's default tenant, as `--env` finds it for the commands.
      const runtime = await selectRuntime(envRequest(env), d);
      if (action.kind === 'backup') {
        const run = await runtime.runBackup({ timeoutMs: BACKUP_TIMEOUT_MS });
        if (run.result === 'failed')
          throw new OmrsError({
            code: 'BACKUP_FAILED',
            message: `backup run ${run.run} failed`,
            exitCode: ExitCode.failed,
            hint: `Its output: \`omrs logs backup --env ${env.name}\`.`,
          });
        return settled(
          deps,
          'db backup',
          `backup run ${run.run} of ${env.name}: ${run.files.map((f) => `${f.tenant} ${(f.bytes / 1024).toFixed(0)} KiB`).join(', ')}`,
        );
      }
      const database = await runtime.seedTarget({});
      try {
        if (action.kind === 'seed') {
          const r = await seed(urlTarget(database.url), {
            size: action.size,
            events: d.events,
            signal: d.signal,
          });
          return settled(
            deps,
            'seed',
            r.status === 'already-seeded'
              ? `already seeded: run ${r.runId} (seed ${r.seed}, ${r.size}), nothing added`
              : `seeded run ${r.runId} into ${r.target}: ${r.rowsWritten.toLocaleString('en-US')} rows (${r.tables.patient ?? 0} patients)`,
          );
        }
        if (action.kind === 'purge') {
          const r = await purge(urlTarget(database.url), { events: d.events, signal: d.signal });
          return settled(
            deps,
            'seed --purge',
            r.runs.length === 0
              ? `nothing to purge in ${r.target}`
              : `purged ${r.runs.map((run) => `run ${run.runId}`).join(', ')} from ${r.target}`,
          );
        }
        const r = await (action.kind === 'snapshot' ? snapshot : restore)(database.url, action.name, {
          cwd: io.cwd,
          env: io.env,
          events: d.events,
        });
        return settled(
          deps,
          `db ${action.kind}`,
          `${action.kind === 'snapshot' ? 'snapshot' : 'restored'} ${action.name} ${action.kind === 'snapshot' ? 'of' : 'into'} ${r.target} (${(r.bytes / 1024).toFixed(0)} KiB)`,
        );
      } finally {
        await database.release();
      }
    },

    async diffProfiles(a, b) {
      const { compareProfiles } = await import('../profile/index.js');
      return compareProfiles(a, b, io);
    },

    async promoteChoices(name) {
      const [{ openProfile }, { appDigest }] = await Promise.all([
        import('../profile/index.js'),
        import('../profile/digest.js'),
      ]);
      const resolved = await openProfile(name, io);
      const folders = [...new Set([io.cwd, dirname(resolved.file)])];
      const records = (await Promise.all(folders.map(qaRecordsIn))).flat();
      records.sort((a, b) => b.testedAt.localeCompare(a.testedAt));
      return {
        profile: resolved.name,
        appDigest: appDigest(resolved.profile),
        records,
        recordRequired: resolved.profile.checks.level === 'prod',
        ...(resolved.profile.cluster.context && { context: resolved.profile.cluster.context }),
      } satisfies PromoteChoices;
    },

    async promote(ask, deps) {
      const { promote } = await import('../promote/index.js');
      const r = await promote(
        {
          profile: ask.profile,
          ...(ask.record && { approveRecord: ask.record }),
          ...(ask.smokeUrl && { smokeUrl: ask.smokeUrl }),
          ...(ask.context && { context: ask.context }),
          ...(io.env.OMRS_DB_URL && { db: io.env.OMRS_DB_URL }),
        },
        { ...depsOf(deps), review: deps.review },
      );
      // Past the switch a stop lets the promotion finish: it is reported as done, as the command does.
      return `promoted ${r.profile}: ${r.live} is live${r.previous ? ` (was ${r.previous}, kept for rollback)` : ''}; service ${r.namespace}/openmrs → ${r.service}`;
    },

    async rollback(profile, deps) {
      const [{ rollback }, { openProfile }] = await Promise.all([
        import('../promote/rollback.js'),
        import('../profile/index.js'),
      ]);
      // The profile's own context, named as `--context` would name it; the typed name confirms it.
      const { context } = (await openProfile(profile, io)).profile.cluster;
      const r = settled(
        deps,
        'rollback',
        await rollback({ profile, ...(context && { context }) }, depsOf(deps)),
      );
      return `rolled back ${r.profile}: ${r.live} is live again (was ${r.from}); service ${r.namespace}/openmrs → ${r.service}`;
    },
  };

  /** The QA records (`omrs promote record -o …`) among the JSON files of one folder. */
  async function qaRecordsIn(folder: string): Promise<QaRecordChoice[]> {
    const { readQaRecord } = await import('../promote/qa-record.js');
    const files = (await readdir(folder).catch(() => [])).filter((f) => f.endsWith('.json'));
    const found: QaRecordChoice[] = [];
    for (const file of files.sort()) {
      const record = await readQaRecord(join(folder, file), io.cwd).catch(() => undefined);
      if (!record) continue;
      found.push({
        file: record.file,
        profile: record.profile,
        appDigest: record.appDigest,
        testedAt: record.testedAt,
        result: record.result,
        // The digests QA tested, as the record carries them.
        images: record.images.map(({ component, image, digest }) => ({
          component,
          image,
          digest,
          pinned: true,
        })),
      });
    }
    return found;
  }
}

/** The commands' text without colours, and without the ✔ the shell draws itself. */
const PLAIN = pc.createColors(false);
const textOf = (text: string): string => text.replace(/^✔ /, '');

/** `--runtime` of `omrs env extend|rm` for a listed environment: the side it was listed on. */
const envScope = (env: EnvironmentSummary) => ({ runtime: env.runtime });

/**
 * The request `omrs down --env <name> --runtime <r>` makes for a listed environment; on a cluster
 * with the profile it was started from (it decides the context).
 */
const envRequest = (env: EnvironmentSummary) => ({
  env: env.name,
  runtime: env.runtime,
  ...(env.runtime !== 'compose' && env.profile !== '-' && { profile: env.profile }),
});
