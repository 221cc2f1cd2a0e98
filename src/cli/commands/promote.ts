// `omrs promote` (and `omrs promote record|fingerprint`) and `omrs rollback`: parse flags, call the
// use cases of src/promote, print the result.
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseDuration, TIMEOUT } from '../../duration.js';
import { ExitCode, OmrsError } from '../../errors.js';
import { isStdoutPath, prepareOutputPath } from '../../output-path.js';
import { askLine, canAsk } from '../../ui/prompt.js';
import { action, type CliContext } from '../context.js';
import { contextOption, kubeconfigOption, profileOption } from '../options.js';

interface PromoteOpts {
  profile?: string;
  approveRecord?: string;
  context?: string;
  kubeconfig?: string;
  yes?: boolean;
  smokeUrl?: string;
  smokeUser?: string;
  lockFile?: string;
  recordsDir?: string;
  readyTimeout?: string;
  smokeTimeout?: string;
  db?: string;
  output?: string;
  record?: boolean;
}

function asker(ctx: CliContext): ((q: string) => Promise<string>) | undefined {
  if (!canAsk(ctx.io)) return undefined;
  return (question) => askLine(ctx.io, question);
}

/** A timeout flag in milliseconds (undefined when not given); a bad or absurd one is a usage error. */
const timeoutMs = (raw: string | undefined, flag: string): number | undefined =>
  raw === undefined ? undefined : parseDuration(raw, TIMEOUT, flag, 'PROMOTE_BAD_TIMEOUT');

export function registerPromoteCommands(program: Command, ctx: CliContext): void {
  program
    .command('promote')
    .argument(
      '[what]',
      'nothing: promote; "record": write a QA record; "fingerprint": show (or --record) the infrastructure fingerprint',
    )
    .description(
      'promote a profile blue/green: lock → check gate → plan → snapshot (RDS) or dump (bundled database) → deploy the idle colour → smoke test → switch the entry → record',
    )
    .addOption(profileOption())
    .option('--approve-record <file>', 'the QA record of the tested app (required for production profiles)')
    .addOption(contextOption())
    .addOption(kubeconfigOption())
    .option('-y, --yes', 'do not ask for confirmation (CI); review the plan first')
    .option(
      '--smoke-url <url>',
      'the gateway the smoke test runs against (password from OMRS_SMOKE_PASSWORD). record: the QA environment’s, required. promote: default a port-forward to a ready pod of the idle colour’s own gateway Service; a URL here replaces it and must reach the idle colour',
    )
    .option('--smoke-user <user>', 'user for the smoke test login', 'admin')
    .option('--smoke-timeout <duration>', 'how long the smoke test may retry (default 60s)')
    .option(
      '--lock-file <file>',
      'where to write the lock (default: <profile>.lock.json next to the profile)',
    )
    .option('--records-dir <dir>', 'folder of promotions.jsonl (default: the current folder)')
    .option(
      '--ready-timeout <duration>',
      'readiness timeout of each step of the idle colour (default: the profile’s timeouts)',
    )
    .option(
      '--db <url>',
      'the target database server (mysql://user:password@host:3306): the data-cleanup rules run on every tenant’s database; required at level prod; default OMRS_DB_URL. record: the QA database the data-cleanup rules also check (no default)',
    )
    .option('-o, --output <file>', 'record: the file to write (default, or -: standard output)')
    .option('--record', 'fingerprint: write it to SSM (after applying Terraform outside omrs)')
    .addHelpText(
      'after',
      '\nExit codes: 1 failed (the live colour still serves), 2 usage or not confirmed, 3 the check gate failed, 4 a prerequisite is missing (terraform provider, context, AWS).\nSee docs/promotion.md.',
    )
    .action(
      action(ctx, async (out, what: string | undefined, opts: PromoteOpts) => {
        const use = await import('../../promote/index.js');
        const deps = { cwd: ctx.io.cwd, env: ctx.io.env };
        if (what === 'record') {
          const toFile = opts.output && !isStdoutPath(opts.output);
          // The output path is checked before the QA run, so a bad one wastes no smoke test.
          const file = toFile
            ? await prepareOutputPath(opts.output!, ctx.io.cwd, { flag: '-o', kind: 'file' })
            : undefined;
          const smokeWindowMs = timeoutMs(opts.smokeTimeout, '--smoke-timeout');
          await out.startProgress(`omrs promote record ${opts.profile ?? ''}`.trim());
          const record = await use.writeQaRecord(
            {
              ...(opts.profile && { profile: opts.profile }),
              ...(opts.smokeUrl && { smokeUrl: opts.smokeUrl }),
              ...(opts.smokeUser && { smokeUser: opts.smokeUser }),
              ...(smokeWindowMs !== undefined && { smokeWindowMs }),
              ...(opts.db && { db: opts.db }),
            },
            { ...deps, events: out.events, signal: ctx.io.signal },
          );
          const text = JSON.stringify(record, null, 2) + '\n';
          await out.close();
          if (file) {
            await writeFile(file, text);
            out.result(
              { ...record, file },
              (c) =>
                `${c.green('✔')} QA record of ${c.bold(record.profile)} written to ${opts.output}: app ${record.appDigest}, ${record.images.length} image digests, gate passed at ${record.checks.level}, smoke test passed (${record.smoke.checks.length} checks)`,
            );
          } else ctx.io.stdout.write(text);
          return;
        }
        if (what === 'fingerprint') {
          const r = await use.fingerprint(opts.profile, opts.record === true, deps);
          out.result(
            r,
            (c) =>
              `${r.fingerprint}\n${c.dim(`${r.parameter}: ${r.recorded ?? '(not recorded)'}${r.written ? ' → written' : ''}`)}`,
          );
          return;
        }
        if (what !== undefined)
          throw new OmrsError({
            code: 'USAGE',
            message: `unknown promote action "${what}"`,
            exitCode: ExitCode.usage,
            hint: 'Use `omrs promote`, `omrs promote record` or `omrs promote fingerprint`.',
          });
        await out.startProgress(`omrs promote ${opts.profile ?? ''}`.trim());
        const confirm = asker(ctx);
        const readyTimeoutMs = timeoutMs(opts.readyTimeout, '--ready-timeout');
        const smokeWindowMs = timeoutMs(opts.smokeTimeout, '--smoke-timeout');
        const db = opts.db ?? ctx.io.env.OMRS_DB_URL;
        const result = await use.promote(
          {
            ...(opts.profile && { profile: opts.profile }),
            ...(opts.approveRecord && { approveRecord: opts.approveRecord }),
            ...(opts.context && { context: opts.context }),
            ...(opts.kubeconfig && { kubeconfig: opts.kubeconfig }),
            yes: opts.yes === true,
            ...(opts.smokeUrl && { smokeUrl: opts.smokeUrl }),
            ...(opts.smokeUser && { smokeUser: opts.smokeUser }),
            ...(opts.lockFile && { lockFile: opts.lockFile }),
            ...(opts.recordsDir && { recordsDir: opts.recordsDir }),
            ...(readyTimeoutMs && { readyTimeoutMs }),
            ...(smokeWindowMs !== undefined && { smokeWindowMs }),
            ...(db && { db }),
          },
          {
            ...deps,
            events: out.events,
            signal: ctx.io.signal,
            interactive: confirm !== undefined && out.mode !== 'json',
            ...(confirm && { confirm }),
          },
        );
        await out.close();
        out.result(
          result,
          (c) =>
            'finished' in result
              ? [
                  `${c.green('✔')} promoted ${c.bold(result.profile)}: ${c.bold(result.live)} is live; an earlier run switched it, this one ${result.finished}`,
                  c.dim(`  service ${result.namespace}/openmrs → ${result.service}`),
                ].join('\n')
              : [
                  `${c.green('✔')} promoted ${c.bold(result.profile)}: ${c.bold(result.live)} is live${result.previous ? ` (was ${result.previous}, kept for \`omrs rollback\`)` : ''}`,
                  c.dim(`  service ${result.namespace}/openmrs → ${result.service}`),
                  c.dim(
                    `  app ${result.lock.appDigest}, chart ${result.lock.chartVersion}${result.snapshot ? `, snapshot ${result.snapshot.snapshotId}` : ''}`,
                  ),
                  ...(result.unpinned.length
                    ? [c.yellow(`  not pinned by digest: ${result.unpinned.join(', ')}`)]
                    : []),
                ].join('\n'),
          // A use case that returned has switched: past that point a stop lets it finish (exit 0).
          { evenIfInterrupted: true },
        );
      }),
    );

  program
    .command('rollback')
    .description(
      'switch traffic back to the previous colour of the last promotion; optionally restore its database snapshot or dump',
    )
    .addOption(profileOption())
    .addOption(contextOption())
    .addOption(kubeconfigOption())
    .option('-y, --yes', 'do not ask for confirmation (CI)')
    .option('--restore-snapshot <id>', 'also restore this RDS snapshot into a NEW instance (asks separately)')
    .option(
      '--restore-database',
      'bundled database: first load the dump the promotion took of the previous colour back into it, then restart its backends (asks separately)',
    )
    .option('--records-dir <dir>', 'folder of promotions.jsonl and the dumps (default: the current folder)')
    .action(
      action(
        ctx,
        async (out, opts: PromoteOpts & { restoreSnapshot?: string; restoreDatabase?: boolean }) => {
          const { rollback } = await import('../../promote/rollback.js');
          await out.startProgress(`omrs rollback ${opts.profile ?? ''}`.trim());
          const confirm = asker(ctx);
          const result = await rollback(
            {
              ...(opts.profile && { profile: opts.profile }),
              ...(opts.context && { context: opts.context }),
              ...(opts.kubeconfig && { kubeconfig: opts.kubeconfig }),
              yes: opts.yes === true,
              ...(opts.restoreSnapshot && { restoreSnapshot: opts.restoreSnapshot }),
              ...(opts.restoreDatabase && { restoreDatabase: true }),
              ...(opts.recordsDir && { recordsDir: opts.recordsDir }),
            },
            {
              cwd: ctx.io.cwd,
              env: ctx.io.env,
              events: out.events,
              signal: ctx.io.signal,
              interactive: confirm !== undefined && out.mode !== 'json',
              ...(confirm && { confirm }),
            },
          );
          await out.close();
          out.result(result, (c) =>
            [
              `${c.green('✔')} rolled back ${c.bold(result.profile)}: ${c.bold(result.live)} is live again (was ${result.from})`,
              c.dim(`  service ${result.namespace}/openmrs → ${result.service}`),
              ...(result.restored
                ? [
                    c.dim(
                      `  snapshot ${result.restored.snapshotId} restored as ${result.restored.instanceId}`,
                    ),
                  ]
                : []),
              ...(result.restoredDatabase
                ? [
                    c.dim(
                      `  dump ${result.restoredDatabase.name} restored into ${result.restoredDatabase.tenants.join(', ')}`,
                    ),
                  ]
                : []),
            ].join('\n'),
          );
        },
      ),
    );
}
