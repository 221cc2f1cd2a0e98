import { Option, type Command } from 'commander';
import { ExitCode, OmrsError } from '../../errors.js';
import { nonEmpty, wholeNumber } from '../arguments.js';
import { action, type CliContext } from '../context.js';
import { envOption, profileOption } from '../options.js';
import type { Output } from '../../ui/output.js';
import { addClusterOptions, runtimeOf } from './cluster-runtime.js';
import { databaseTarget, type DatabaseFlags, type DatabaseTarget } from './database-target.js';

interface SeedFlags extends DatabaseFlags {
  profile?: string;
  size?: 'small' | 'medium' | 'large';
  patients?: number;
  visitsPerPatient?: number;
  encountersPerVisit?: number;
  obsPerEncounter?: number;
  seed?: number;
  locale?: string;
  status?: boolean;
  purge?: boolean;
  run?: string;
  userPasswordEnv?: string;
  writer?: 'insert' | 'load-data';
}

export function registerSeedCommands(program: Command, ctx: CliContext): void {
  registerDbCommands(program, ctx);
  addClusterOptions(program.command('seed'))
    .description(
      'generate deterministic OpenMRS test data (patients, visits, encounters, obs, users) into a database',
    )
    .addOption(profileOption('none: size, seed, locale and counts from the flags'))
    .addOption(
      new Option(
        '--size <size>',
        'preset: small (100 patients), medium (2,000), large (100,000 with 1,000,000 obs)',
      ).choices(['small', 'medium', 'large']),
    )
    .option('--patients <n>', 'number of patients', wholeNumber('--patients'))
    .option('--visits-per-patient <n>', 'visits per patient', wholeNumber('--visits-per-patient'))
    .option('--encounters-per-visit <n>', 'encounters per visit', wholeNumber('--encounters-per-visit'))
    .option('--obs-per-encounter <n>', 'observations per encounter', wholeNumber('--obs-per-encounter'))
    .option(
      '--seed <n>',
      'random seed: the same seed gives the same rows (default 42)',
      wholeNumber('--seed'),
    )
    .option(
      '--tenant <name>',
      "tenant to seed: with --env its backend's database; with --db the database when the URL names none",
    )
    .option('--locale <locale>', 'faker locale for names and addresses (default en)')
    .addOption(envOption('none: --db or OMRS_DB_URL'))
    .option('--db <url>', 'target database, mysql://user:password@host:port/database (default: $OMRS_DB_URL)')
    .option(
      '--user-password-env <var>',
      'give every seeded user the password in this environment variable (default: random, printed once)',
    )
    .addOption(
      new Option('--writer <writer>', 'bulk writer (for benchmarks)')
        .choices(['insert', 'load-data'])
        .hideHelp(),
    )
    .option(
      '--status',
      'list the seed runs recorded in the database (a running one with what it has written so far)',
    )
    .option('--purge', 'remove exactly the rows seeded runs wrote (all runs, or --run)')
    .option(
      '--run <id>',
      'with --purge: only this run (id or prefix)',
      nonEmpty('--run', 'leave --run out to purge every run'),
    )
    .addHelpText(
      'after',
      `
Examples:
  $ omrs seed --env dev --size medium
  $ omrs seed --env qa-7f3k --runtime kube --tenant north
  $ omrs seed --db mysql://openmrs:secret@localhost:3306/openmrs --size medium
  $ omrs seed --db "$OMRS_DB_URL" --patients 500 --obs-per-encounter 8 --seed 7
  $ omrs seed --status
  $ omrs seed --purge --run 3f2a

Seeding the same plan twice adds nothing the second time; a killed run is resumed
by the next identical command (or rolled back before a different one).`,
    )
    .action(
      action(ctx, async (out, flags: SeedFlags) => {
        const { seed, purge, seedStatus, urlTarget } = await import('../../seed/index.js');
        const database = await databaseTarget(flags, ctx, out);
        try {
          const target = urlTarget(database.url, flags.tenant);
          await out.startProgress('omrs seed');
          if (flags.status) {
            const status = await seedStatus(target);
            out.result(status, (c) =>
              status.runs.length === 0
                ? `no seed runs in ${status.target}`
                : [
                    c.bold(`seed runs in ${status.target}`),
                    ...status.runs.map(
                      (r) =>
                        `  ${r.runId}  ${statusColor(c, r.status)(r.status.padEnd(11))} seed ${r.seed}  ${r.size.padEnd(6)}  ${r.rows.toLocaleString('en-US')} rows  ${c.dim(`${r.createdAt}${r.finishedAt ? ` → ${r.finishedAt}` : ''}`)}`,
                    ),
                  ].join('\n'),
            );
            return;
          }
          if (flags.purge) {
            const result = await purge(target, {
              runId: flags.run,
              events: out.events,
              signal: ctx.io.signal,
            });
            out.result(result, (c) =>
              result.runs.length === 0
                ? `nothing to purge in ${result.target}`
                : result.runs
                    .map(
                      (r) =>
                        `${c.green('✔')} purged run ${r.runId} (seed ${r.seed}, ${r.size}): ${Object.values(
                          r.deleted,
                        )
                          .reduce((a, b) => a + b, 0)
                          .toLocaleString(
                            'en-US',
                          )} rows${r.keptShared ? c.dim(` (kept ${r.keptShared} shared reference rows)`) : ''}`,
                    )
                    .join('\n'),
            );
            return;
          }
          if (flags.run)
            throw new OmrsError({
              code: 'SEED_BAD_USAGE',
              message: '--run goes with --purge',
              exitCode: ExitCode.usage,
            });

          const fromProfile = flags.profile ? await profileSeed(flags.profile, ctx) : undefined;
          let userPassword: string | undefined;
          if (flags.userPasswordEnv) {
            userPassword = ctx.io.env[flags.userPasswordEnv];
            if (!userPassword)
              throw new OmrsError({
                code: 'SEED_NO_PASSWORD',
                message: `environment variable ${flags.userPasswordEnv} is empty`,
                hint: `Set it (export ${flags.userPasswordEnv}=…), or leave --user-password-env out for a random password printed once.`,
                exitCode: ExitCode.usage,
              });
            target.secrets.push(userPassword);
          }
          const counts = {
            ...fromProfile?.counts,
            ...(flags.patients !== undefined && { patients: flags.patients }),
            ...(flags.visitsPerPatient !== undefined && { visitsPerPatient: flags.visitsPerPatient }),
            ...(flags.encountersPerVisit !== undefined && { encountersPerVisit: flags.encountersPerVisit }),
            ...(flags.obsPerEncounter !== undefined && { obsPerEncounter: flags.obsPerEncounter }),
          };
          const result = await seed(target, {
            size: flags.size ?? fromProfile?.size,
            seed: flags.seed ?? fromProfile?.seed,
            locale: flags.locale ?? fromProfile?.locale,
            tenant: flags.tenant,
            counts,
            userPassword,
            writer: flags.writer,
            events: out.events,
            signal: ctx.io.signal,
          });
          out.result(result, (c) => {
            const lines = [
              result.status === 'already-seeded'
                ? `${c.green('✔')} already seeded: run ${result.runId} (seed ${result.seed}, ${result.size}) — nothing added`
                : `${c.green('✔')} ${result.status === 'resumed' ? 'resumed and finished' : 'seeded'} run ${result.runId} into ${result.target}: ${result.rowsWritten.toLocaleString('en-US')} rows in ${(result.durationMs / 1000).toFixed(1)} s (${result.rowsPerSecond.toLocaleString('en-US')} rows/s)`,
              `  ${c.dim('patients')} ${result.tables.patient ?? 0}  ${c.dim('visits')} ${result.tables.visit ?? 0}  ${c.dim('encounters')} ${result.tables.encounter ?? 0}  ${c.dim('obs')} ${result.tables.obs ?? 0}`,
            ];
            if (result.rolledBack.length > 0)
              lines.push(`  ${c.yellow('!')} rolled back interrupted runs: ${result.rolledBack.join(', ')}`);
            const withPasswords = result.users.filter((u) => u.password);
            if (withPasswords.length > 0) {
              lines.push(`  ${c.bold('users')} ${c.dim('(passwords are shown only now)')}`);
              for (const u of withPasswords)
                lines.push(`    ${u.username.padEnd(14)} ${u.password}  ${c.dim(u.role)}`);
            } else if (result.users.length > 0)
              lines.push(`  ${c.bold('users')} ${result.users.map((u) => u.username).join(', ')}`);
            return lines.join('\n');
          });
        } finally {
          await database.release();
        }
      }),
    );
}

async function profileSeed(ref: string, ctx: CliContext) {
  const { openProfile } = await import('../../profile/index.js');
  const resolved = await openProfile(ref, ctx.io);
  return resolved.profile.seed;
}

function statusColor(
  c: {
    green: (s: string) => string;
    yellow: (s: string) => string;
    red: (s: string) => string;
    dim: (s: string) => string;
  },
  status: string,
) {
  if (status === 'done') return c.green;
  if (status === 'running' || status === 'purging') return c.yellow;
  if (status === 'failed') return c.red;
  return c.dim;
}

/** `omrs db snapshot|restore <name> --db …`: whole-database copies with the MariaDB client tools. */
function registerDbCommands(program: Command, ctx: CliContext): void {
  const db = program.command('db').description('snapshot and restore a database (mariadb-dump / mariadb)');
  for (const verb of ['snapshot', 'restore'] as const) {
    const command = addClusterOptions(db.command(verb))
      .argument(verb === 'snapshot' ? '<name>' : '[name]', 'snapshot name (letters, digits, . _ -)')
      .addOption(profileOption())
      .addOption(envOption('none: --db or OMRS_DB_URL'))
      .option('--tenant <name>', 'with --env: the tenant')
      .option('--db <url>', 'database, mysql://user:password@host:port/database (default: $OMRS_DB_URL)')
      .description(
        verb === 'snapshot'
          ? 'dump the database to .omrs/snapshots/<database>/<name>.sql.gz'
          : 'drop and recreate the database from a snapshot, or from a backup of an environment (--from-backup)',
      );
    if (verb === 'restore')
      command.option(
        '--from-backup <id>',
        'a backup the schedule of --env wrote (`omrs db backups --env e` lists them), into --db, else into that environment',
      );
    command.action(
      action(ctx, async (out, name: string | undefined, flags: DatabaseFlags & { fromBackup?: string }) => {
        const { snapshot, restore } = await import('../../seed/snapshot.js');
        if (flags.fromBackup) return restoreBackup(out, ctx, flags as DatabaseFlags & { fromBackup: string });
        if (!name)
          throw new OmrsError({
            code: 'CLI_MISSING_ARGUMENT',
            message: 'omrs db restore needs a snapshot name, or --from-backup <id>',
            exitCode: ExitCode.usage,
            hint: 'List snapshots under .omrs/snapshots/<database>/; backups with `omrs db backups --env <env>`.',
          });
        const database = await databaseTarget(flags, ctx, out);
        await out.startProgress(`omrs db ${verb}`);
        const result = await (verb === 'snapshot' ? snapshot : restore)(database.url, name, {
          cwd: ctx.io.cwd,
          env: ctx.io.env,
          events: out.events,
        }).finally(() => database.release());
        out.result(
          result,
          (c) =>
            `${c.green('✔')} ${verb === 'snapshot' ? 'snapshot' : 'restored'} ${c.bold(name)} ${verb === 'snapshot' ? 'of' : 'into'} ${result.target} (${(result.bytes / 1024).toFixed(0)} KiB, ${(result.durationMs / 1000).toFixed(1)} s)`,
        );
      }),
    );
  }

  addClusterOptions(db.command('backup'))
    .description(
      "run a backup now, from the backup schedule's own spec, and wait until it ends (on a cluster: a Job from the CronJob)",
    )
    .addOption(profileOption())
    .addOption(envOption())
    .option('--timeout <duration>', 'how long to wait for the run to end (90s, 10m)', '10m')
    .action(
      action(ctx, async (out, flags: DatabaseFlags & { timeout: string }) => {
        const { parseDuration, TIMEOUT } = await import('../../duration.js');
        const timeoutMs = parseDuration(flags.timeout, TIMEOUT, '--timeout');
        const runtime = await runtimeOf(flags, out, ctx);
        await out.startProgress('omrs db backup');
        const run = await runtime.runBackup({ timeoutMs });
        if (run.result === 'failed')
          throw new OmrsError({
            code: 'BACKUP_FAILED',
            message: `backup run ${run.run} failed`,
            exitCode: ExitCode.failed,
            hint: `Its output: \`omrs logs backup${flags.env ? ` --env ${flags.env}` : ''}\`; the run is in \`omrs status\`.`,
          });
        out.result(run, (c) =>
          [
            `${c.green('✔')} backup run ${c.bold(run.run)} succeeded`,
            ...run.files.map((b) => `  ${c.bold(b.id)}  ${b.tenant}  ${(b.bytes / 1024).toFixed(0)} KiB`),
          ].join('\n'),
        );
      }),
    );

  addClusterOptions(db.command('backups'))
    .description('list the dumps the backup schedule of an environment wrote (newest first)')
    .addOption(profileOption())
    .addOption(envOption())
    .action(
      action(ctx, async (out, flags: DatabaseFlags) => {
        const backups = await (await runtimeOf(flags, out, ctx)).backups();
        out.result({ backups }, (c) =>
          backups.length === 0
            ? c.dim('no backup yet')
            : backups
                .map((b) => `${c.bold(b.id)}  ${b.tenant}  ${(b.bytes / 1024).toFixed(0)} KiB`)
                .join('\n'),
        );
      }),
    );
}

/** `omrs db restore --from-backup <id> --env e [--db url]`: the dump out of the environment, into a database. */
async function restoreBackup(
  out: Output,
  ctx: CliContext,
  flags: DatabaseFlags & { fromBackup: string },
): Promise<void> {
  const [{ importDump, restore }, { mkdtemp, rm }, { tmpdir }, { join }] = await Promise.all([
    import('../../seed/snapshot.js'),
    import('node:fs/promises'),
    import('node:os'),
    import('node:path'),
  ]);
  const runtime = await runtimeOf(flags, out, ctx);
  await out.startProgress(`omrs db restore --from-backup ${flags.fromBackup}`);
  const work = await mkdtemp(join(tmpdir(), 'omrs-backup-'));
  const fetched = join(work, 'backup.sql.gz');
  let database: DatabaseTarget | undefined;
  try {
    const backup = await runtime.fetchBackup(flags.fromBackup, flags.tenant, fetched);
    database = flags.db
      ? await databaseTarget(flags, ctx, out)
      : await runtime.seedTarget({ tenant: backup.tenant });
    const name = `backup-${backup.id}-${backup.tenant}`;
    await importDump(fetched, database.url, name, ctx.io.cwd);
    const result = await restore(database.url, name, {
      cwd: ctx.io.cwd,
      env: ctx.io.env,
      events: out.events,
    });
    out.result(
      { ...result, backup },
      (c) =>
        `${c.green('✔')} restored backup ${c.bold(backup.id)} of ${backup.tenant} into ${result.target} (${(backup.bytes / 1024).toFixed(0)} KiB, ${(result.durationMs / 1000).toFixed(1)} s)`,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
    await database?.release();
  }
}
