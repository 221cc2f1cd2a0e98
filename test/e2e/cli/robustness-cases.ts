// The cases of the robustness suite: every command and flag of the real commander program (read
// from buildProgram, so a new flag is covered without touching this file), a fast-check generator
// of values that are invalid for each flag, the planted secrets, and the judge of one run's output.
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import type { Argument, Command, Option } from 'commander';
import fc from 'fast-check';
import { buildProgram } from '../../../src/cli/main.js';
import type { CliContext } from '../../../src/cli/context.js';
import type { Io } from '../../../src/ui/io.js';

/** One place a value goes: an option of a command, or one of its positional arguments. */
export interface Slot {
  /** The command path below `omrs`, e.g. ['env', 'create']; [] for the root. */
  command: string[];
  /** The long flag (`--ttl`), or `<name>` / `[paths...]` for a positional argument. */
  name: string;
  kind: ValueKind;
  /** Allowed values, for options declared with .choices(). */
  choices?: readonly string[];
  /** Index of the positional argument, for argument slots. */
  argIndex?: number;
}

export type ValueKind =
  | 'boolean'
  | 'choice'
  | 'count'
  | 'duration'
  | 'lookback'
  | 'profile'
  | 'envName'
  | 'namespace'
  | 'tenant'
  | 'context'
  | 'url'
  | 'outputFile'
  | 'outputFileOrStdout'
  | 'outputDir'
  | 'folder'
  | 'inputFile'
  | 'inputPath'
  | 'command'
  | 'action'
  | 'service'
  | 'snapshotName'
  | 'envVar'
  | 'scope'
  | 'format'
  | 'level'
  | 'cron'
  | 'image'
  | 'locale'
  | 'ruleId'
  | 'runId'
  | 'snapshotId'
  | 'text';

/** The kind of value a flag takes, by its long name; flags with .choices() are 'choice' on their own. */
const KIND_BY_FLAG: Record<string, ValueKind> = {
  '--profile': 'profile',
  '--env': 'envName',
  '--name': 'envName',
  '--namespace': 'namespace',
  '--tenant': 'tenant',
  '--context': 'context',
  '--kubeconfig': 'inputFile',
  '--approve-record': 'inputFile',
  '--db': 'url',
  '--smoke-url': 'url',
  '--push': 'url',
  '--ttl': 'duration',
  '--smoke-timeout': 'duration',
  '--ready-timeout': 'duration',
  '--since': 'lookback',
  '--tail': 'count',
  '--patients': 'count',
  '--visits-per-patient': 'count',
  '--encounters-per-visit': 'count',
  '--obs-per-encounter': 'count',
  '--seed': 'count',
  '--output': 'outputFile',
  '--lock-file': 'outputFile',
  '--explain': 'ruleId',
  '--run': 'runId',
  '--restore-snapshot': 'snapshotId',
  '--records-dir': 'folder',
  '--user-password-env': 'envVar',
  '--scope': 'scope',
  '--format': 'format',
  '--level': 'level',
  '--schedule': 'cron',
  '--image': 'image',
  '--locale': 'locale',
};

/** Kinds that depend on the command, keyed `<command path> <flag or argument>`. */
const KIND_BY_COMMAND_SLOT: Record<string, ValueKind> = {
  'render --output': 'outputDir',
  'promote --output': 'outputFileOrStdout',
  'profile validate [profile]': 'profile',
  'profile show [profile]': 'profile',
  'profile diff <a>': 'profile',
  'profile diff <b>': 'profile',
  'logs [service]': 'service',
  'db snapshot <name>': 'snapshotName',
  'db restore <name>': 'snapshotName',
  'images load <bundle>': 'inputFile',
  'check [paths...]': 'inputPath',
  'promote [what]': 'action',
  'env extend <name>': 'envName',
  'env rm <name>': 'envName',
  ' [command]': 'command',
};

/**
 * Valid values for what a case does not exercise: required options and arguments are filled so
 * that the error is about the generated value, and options that only act with a sub-action get it.
 * Each names nothing that exists (no environment, snapshot or bundle of that name), so a command
 * that wrongly accepts the generated value stops at the unreachable engine, not at real work.
 */
const REQUIRED_FILL: Record<string, [flag: string, value: string][]> = {
  'env create': [
    ['--ttl', '1h'],
    ['--runtime', 'compose'],
  ],
  'env extend': [['--ttl', '1h']],
  'images save': [['--output', 'bundle.tar']],
};
const ARGUMENT_FILL: Record<string, string> = {
  '<name>': 'robustness-absent-0000',
  '<a>': 'dev',
  '<b>': 'qa',
  '<bundle>': 'absent-bundle.tar',
};
const ABSENT_ENV = ['--env', 'robustness-absent-0000'];
const ON_CLUSTER = ['--runtime', 'kube'];
const CONTEXT_ARGS: Record<string, string[]> = {
  'promote --output': ['record'],
  'promote --record': ['fingerprint'],
  'seed --run': ['--purge'],
  // Cluster flags act only on a cluster runtime, and the database flags only with --env.
  ...Object.fromEntries(
    ['up', 'down', 'status', 'logs', 'open'].flatMap((c) => [
      [`${c} --context`, ON_CLUSTER],
      [`${c} --kubeconfig`, ON_CLUSTER],
    ]),
  ),
  ...Object.fromEntries(
    ['db snapshot', 'db restore', 'seed'].flatMap((c) => [
      [`${c} --context`, [...ABSENT_ENV, ...ON_CLUSTER]],
      [`${c} --kubeconfig`, [...ABSENT_ENV, ...ON_CLUSTER]],
      [`${c} --tenant`, ABSENT_ENV],
      ...(c === 'seed' ? [] : [[`${c} --profile`, ABSENT_ENV]]),
    ]),
  ),
};

/** Commands that read the Docker engine and write nothing: the only ones given the real engine. */
export const READ_ONLY_ON_DOCKER = new Set(['status', 'logs', 'open', 'env ls', 'env extend', 'env rm']);

/** The commander program of the CLI, built with a context that nothing runs through. */
export function cliProgram(): Command {
  const silent = new Writable({ write: (_c, _e, done) => done() });
  const io = {
    stdout: silent,
    stderr: silent,
    stdin: Readable.from([]),
    env: {},
    cwd: process.cwd(),
    signal: new AbortController().signal,
  } as unknown as Io;
  const ctx: CliContext = { io, exitCode: 0 };
  return buildProgram(ctx);
}

const argumentLabel = (a: Argument): string => {
  const inner = `${a.name()}${a.variadic ? '...' : ''}`;
  return a.required ? `<${inner}>` : `[${inner}]`;
};

/** Every command below `program` (itself included), with its path. */
export function commandsOf(program: Command): { path: string[]; command: Command }[] {
  const out: { path: string[]; command: Command }[] = [];
  const walk = (c: Command, path: string[]): void => {
    out.push({ path, command: c });
    for (const sub of c.commands) walk(sub, [...path, sub.name()]);
  };
  walk(program, []);
  return out;
}

function optionKind(path: string[], option: Option): { kind: ValueKind; choices?: readonly string[] } {
  const long = option.long ?? option.short ?? option.flags;
  if (option.argChoices) return { kind: 'choice', choices: option.argChoices };
  if (!option.required && !option.optional) return { kind: 'boolean' };
  return { kind: KIND_BY_COMMAND_SLOT[`${path.join(' ')} ${long}`] ?? KIND_BY_FLAG[long] ?? 'text' };
}

/** Every slot of every command: the options it declares and its positional arguments. */
export function slotsOf(program: Command): Slot[] {
  const slots: Slot[] = [];
  for (const { path, command } of commandsOf(program)) {
    for (const option of command.options as Option[]) {
      if (option.long === '--version' || option.long === '--help') continue;
      const name = option.long ?? option.short ?? option.flags;
      slots.push({ command: path, name, ...optionKind(path, option) });
    }
    command.registeredArguments.forEach((argument, argIndex) => {
      const name = argumentLabel(argument);
      const kind = KIND_BY_COMMAND_SLOT[`${path.join(' ')} ${name}`] ?? 'text';
      slots.push({ command: path, name, kind, argIndex });
    });
    // A group (profile, env, db…) takes a subcommand: a mistyped one is a slot of its own.
    if (path.length > 0 && command.commands.length > 0)
      slots.push({ command: path, name: '[subcommand]', kind: 'command', argIndex: 0 });
  }
  return slots;
}

export const slotId = (s: Slot): string => `${['omrs', ...s.command].join(' ')} ${s.name}`;

/** Files and folders the generated values point at, made by the test in a throwaway project. */
export interface Fixtures {
  project: string;
  /** A regular file (so `<it>/x` cannot be created). */
  regularFile: string;
  /** A folder that exists. */
  folder: string;
  /** A file that holds only a secret, like an environment's generated password file. */
  secretFile: string;
  /** A file of random bytes. */
  binaryFile: string;
  /** Every command name of the CLI, to generate unknown ones. */
  commandNames: string[];
  secrets: Secrets;
}

export interface Secrets {
  adminPassword: string;
  leakToken: string;
  dbPassword: string;
  urlPassword: string;
  awsSecret: string;
  dockerPassword: string;
  kubeToken: string;
  smokePassword: string;
  registryPassword: string;
  fileSecret: string;
}

/** Secrets derived from the seed, so a failing case replays exactly. */
export function plantSecrets(seed: number): Secrets {
  const make = (name: string): string =>
    'S' + createHash('sha256').update(`${seed}:${name}`).digest('hex').slice(0, 23);
  return {
    adminPassword: make('admin'),
    leakToken: make('leak'),
    // A password with an `@`: a mask that stops at the first `@` prints the rest.
    dbPassword: `${make('db').slice(0, 10)}@${make('db2').slice(0, 14)}`,
    urlPassword: make('url'),
    awsSecret: make('aws'),
    dockerPassword: make('docker'),
    kubeToken: make('kube'),
    smokePassword: make('smoke'),
    registryPassword: make('registry'),
    fileSecret: make('file'),
  };
}

/**
 * The strings whose appearance in any output is a leak: each secret, the parts around an `@` in
 * it, and the base64 text of the secret at each of the three alignments it can have inside a
 * longer base64 text.
 */
export function secretNeedles(secrets: Secrets): { secret: string; needle: string; form: string }[] {
  const out: { secret: string; needle: string; form: string }[] = [];
  for (const [secret, value] of Object.entries(secrets)) {
    out.push({ secret, needle: value, form: 'raw' });
    for (const part of value.split('@'))
      if (part !== value && part.length >= 8) out.push({ secret, needle: part, form: 'raw part' });
    for (const shift of [0, 1, 2]) {
      const bytes = Buffer.concat([Buffer.alloc(shift), Buffer.from(value)]);
      const first = Math.ceil(shift / 3) * 4;
      const last = Math.floor(bytes.length / 3) * 4;
      const stable = bytes.toString('base64').slice(first, last);
      if (stable.length >= 12) out.push({ secret, needle: stable, form: `base64 (shift ${shift})` });
    }
  }
  return out;
}

const controlText = fc
  .array(fc.integer({ min: 1, max: 31 }), { minLength: 1, maxLength: 6 })
  .map((codes) => `x${String.fromCharCode(...codes)}\u001b[31my\u007f`);
const longText = fc
  .tuple(fc.integer({ min: 300, max: 20_000 }), fc.constantFrom('a', 'é', '€', '9', '-'))
  .map(([n, ch]) => ch.repeat(n));
/** What no flag that takes a value accepts: empty, blank, control characters, very long. */
const junk = fc.oneof(fc.constantFrom('', ' ', '\t'), controlText, longText);

const withJunk = (...specific: fc.Arbitrary<string>[]): fc.Arbitrary<string> =>
  fc.oneof({ arbitrary: fc.oneof(...specific), weight: 3 }, { arbitrary: junk, weight: 1 });

/** URLs with userinfo, malformed in the ways people mistype them, all carrying a planted password. */
function badUrls(password: string, schemes: readonly string[]): fc.Arbitrary<string> {
  const shapes = (scheme: string): string[] => [
    `${scheme}//u:${password}@127.0.0.1:9/db`,
    `${scheme}:/u:${password}@127.0.0.1:9/db`,
    `${scheme}:u:${password}@127.0.0.1:9/db`,
    `u:${password}@127.0.0.1:9/db`,
    `${scheme}://u:${password}@127.0.0.1:99999/db`,
    `${scheme}://u:${password}@127.0.0.1:port/db`,
    `${scheme}://u:${password}@/db`,
    `${scheme}://u:${password}@[::1/db`,
    `${scheme}://u:pw@${password}@127.0.0.1:9/db`,
    `${scheme}://u:${password}@127.0.0.1:9/db`,
    `${scheme}://u:${password}@exa mple.org/db`,
  ];
  return fc.constantFrom(...schemes.flatMap(shapes), `ftp://u:${password}@127.0.0.1:9/x`, 'not a url');
}

/** Values that are wrong for a slot of this kind (see the list in the test file's header). */
export function badValues(slot: Slot, f: Fixtures): fc.Arbitrary<string> {
  const { regularFile, folder, secretFile, binaryFile } = f;
  const longPath = `${f.project}/${'n'.repeat(300)}/x`;
  const unwritable = [
    `${regularFile}/x`,
    '/proc/omrs-robustness/x',
    '/sys/omrs-robustness/x',
    '/dev/null/x',
    longPath,
  ];
  switch (slot.kind) {
    case 'boolean':
      // A boolean flag takes no value: `--yes=no` must be refused, not read as --yes.
      return fc.constantFrom('no', 'false', '0', '');
    case 'choice': {
      const choices = slot.choices ?? [];
      return withJunk(
        fc.integer({ min: -5, max: 99 }).map(String),
        fc.constantFrom(...choices).map((c) => c.toUpperCase()),
        fc.constantFrom(...choices).map((c) => `${c},${c}`),
        fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !choices.includes(s) && s.trim() !== ''),
      );
    }
    case 'count':
      return withJunk(
        fc.integer({ min: -1_000_000, max: -1 }).map(String),
        fc.constantFrom(
          'NaN',
          'Infinity',
          '1e999',
          'abc',
          '1.5',
          '0x1f',
          '99999999999999999999999',
          '5abc',
          '٣',
        ),
      );
    case 'duration':
    case 'lookback':
      return withJunk(
        fc.integer({ min: 3651, max: 99_999_999_999 }).map((n) => `${n}d`),
        fc.integer({ min: 1, max: 1000 }).map((n) => `-${n}m`),
        fc.constantFrom('NaN', '0s', '1.5h', '5 parsecs', '10y', '1e3s', '∞', '99999999999999999999999ms'),
        ...(slot.kind === 'lookback' ? [fc.constantFrom('2026-13-45', 'yesterday', 'next tuesday')] : []),
      );
    case 'profile':
      return withJunk(
        fc.stringMatching(/^[a-z]{4,12}$/).map((s) => `no-such-${s}`),
        fc.constantFrom(
          'leaky',
          'leaky-extends',
          secretFile,
          'secrets/db-password',
          '../../../../../../etc/passwd',
          folder,
          binaryFile,
          'DEV',
          'dev.yaml.bak',
          'profiles/../../absent',
        ),
      );
    case 'envName':
      return withJunk(
        fc.constantFrom('Bad Name', 'UPPER', '-x', '..', 'a/b', 'ümlaut', 'name;rm', 'x'.repeat(300)),
        fc.stringMatching(/^[a-z]{1,8}[A-Z_ .:]{1,3}[a-z]{0,4}$/),
      );
    case 'namespace':
      return withJunk(
        fc.constantFrom('BAD_NS', 'UPPER', 'a'.repeat(64), '-lead', 'trail-', 'a.b', 'kube system'),
        fc.stringMatching(/^[a-z]{1,8}[A-Z_ .]{1,3}[a-z]{0,4}$/),
      );
    case 'tenant':
      return withJunk(fc.constantFrom('UPPER', 'a b', "x';DROP TABLE users;--", '../x', 'x'.repeat(200)));
    case 'context':
      return withJunk(fc.stringMatching(/^[a-z]{4,10}$/).map((s) => `no-such-context-${s}`));
    case 'url':
      return withJunk(badUrls(f.secrets.urlPassword, ['mysql', 'http', 'https']));
    case 'outputFile':
      return withJunk(fc.constantFrom('-', folder, ...unwritable));
    case 'outputFileOrStdout':
      return withJunk(fc.constantFrom(folder, ...unwritable));
    case 'outputDir':
      return withJunk(fc.constantFrom('-', regularFile, ...unwritable));
    case 'folder':
      return withJunk(fc.constantFrom(regularFile, ...unwritable));
    case 'inputFile':
      return withJunk(
        fc.constantFrom(`${f.project}/absent.file`, folder, secretFile, binaryFile, '/dev/null/x'),
      );
    case 'inputPath':
      return withJunk(fc.constantFrom(`${f.project}/absent.yaml`, secretFile, binaryFile, '/dev/null/x'));
    case 'command': {
      const names = new Set(f.commandNames);
      return fc.oneof(
        fc.stringMatching(/^[a-z]{3,10}$/).filter((s) => !names.has(s)),
        // Typos of real commands: one letter dropped, doubled or upper-cased.
        fc
          .tuple(fc.constantFrom(...f.commandNames.filter((n) => n.length > 2)), fc.nat())
          .map(([name, i]) => {
            const at = i % name.length;
            return [name.slice(0, at) + name.slice(at + 1), name + name.at(-1), name.toUpperCase()][i % 3]!;
          })
          .filter((s) => !names.has(s)),
      );
    }
    case 'action':
      return withJunk(fc.constantFrom('deploy', 'RECORD', 'records', 'fingerprints', 'rollback'));
    case 'service':
      return withJunk(fc.constantFrom('no-such-service', '../etc', 'Backend', 'db;ls'));
    case 'snapshotName':
      return withJunk(fc.constantFrom('../x', 'a b', '.', '..', '/abs', 'x'.repeat(300), 'a/b'));
    case 'envVar':
      return withJunk(fc.constantFrom('NOT_SET_ROBUSTNESS', '1BAD', 'A=B', 'a b'));
    case 'scope':
      return withJunk(fc.constantFrom('bogus', ',', 'manifests,,bogus', 'MANIFESTS', 'manifests;cluster'));
    case 'format':
      return withJunk(fc.constantFrom('xml', 'JSON', 'sarif2', 'text,json'));
    case 'level':
      return withJunk(fc.constantFrom('staging', 'PROD', 'dev,qa', '0'));
    case 'cron':
      return withJunk(fc.constantFrom('not cron', '* * *', '99 * * * *', '*/0 * * * *', '* * * * * * * *'));
    case 'image':
      return withJunk(fc.constantFrom('UPPER::x', 'a b', 'x@sha256:zz', 'repo:tag:tag', '-x'));
    case 'locale':
      return withJunk(fc.constantFrom('xx_YY', '../../etc/passwd', 'en_US.UTF-8;rm', 'EN', 'zz'));
    case 'ruleId':
      return withJunk(fc.constantFrom('no-such-rule', 'OMRS-99999', '*', 'kube-score/'));
    case 'runId':
      return withJunk(fc.constantFrom("'; DROP TABLE omrs_seed_ledger; --", '%', '_', 'zzzz'));
    case 'snapshotId':
      return withJunk(fc.constantFrom('a b', '../x', 'rds:', 'arn:aws:rds:eu-west-1:1:snapshot:'));
    case 'text':
      return junk;
  }
}

/** One run of the CLI: the argv after `omrs`, the environment variant, and what it exercises. */
export interface Case {
  slot: string;
  args: string[];
  /** Which DOCKER_HOST the run sees: see dockerHosts in the test. */
  docker: DockerVariant;
  json: boolean;
  /** OMRS_DB_URL names a fresh OpenMRS database of the harness MariaDB instead of a closed port. */
  database?: boolean;
}

export type DockerVariant = 'absent-socket' | 'userinfo-refused' | 'not-docker' | 'real';

/** The argv of one case: the command, the generated value in its slot, fillers, --json or not. */
export function caseArgs(
  slot: Slot,
  value: string,
  program: Command,
  json: 'none' | 'before' | 'after',
): string[] {
  const key = slot.command.join(' ');
  const command = commandsOf(program).find((c) => c.path.join(' ') === key)!.command;
  const args: string[] = [...slot.command];
  const positional: string[] = command.registeredArguments.map((a) =>
    a.required ? (ARGUMENT_FILL[argumentLabel(a)] ?? 'x') : '',
  );
  if (slot.argIndex !== undefined && slot.name !== '[subcommand]') positional[slot.argIndex] = value;
  // Optional positionals before the generated one need a value too; trailing empty ones are left out.
  const lastSet = positional.reduce((last, v, i) => (v !== '' || i === slot.argIndex ? i : last), -1);
  if (slot.name === '[subcommand]') args.push(value);
  else args.push(...positional.slice(0, lastSet + 1));
  if (slot.argIndex === undefined) {
    args.push(...(CONTEXT_ARGS[`${key} ${slot.name}`] ?? []));
    // `--flag=value` keeps values that start with "-" and empty ones unambiguous.
    args.push(`${slot.name}=${value}`);
  }
  if (slot.name !== '[subcommand]')
    for (const [flag, fill] of REQUIRED_FILL[key] ?? []) if (flag !== slot.name) args.push(flag, fill);
  if (json === 'before') args.unshift('--json');
  if (json === 'after') args.push('--json');
  return args;
}

/** A stable seed per slot: adding a flag does not change the values of the others. */
export const slotSeed = (seed: number, id: string): number =>
  createHash('sha256').update(`${seed}:${id}`).digest().readInt32LE(0);

/** What came out of one run. */
export interface Run {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** The run outlived the hang guard and was killed. */
  hung: boolean;
  /** How long the run took, for the report (never asserted). */
  ms: number;
}

export interface Violation {
  rule: string;
  detail: string;
}

/**
 * Exit codes a bad value may end with. 2: the value was refused (usage). 4: a prerequisite is
 * missing: every engine a run can see is absent, refuses or is not what it should be, so a command
 * that checks a value only after reaching its engine ends here. Never 1: a run can only get as far
 * as a failure of its own work when the bad value was let through (e.g. `open --env a/b` looking
 * for an environment that no valid name can have), and never 0.
 */
export const ALLOWED_EXIT = new Set([2, 4]);

const STACK_FRAME = /^\s+at .+(\(|:\d+)/m;
const COMMANDER_HINTS = /Allowed choices are|Did you mean|is invalid\. \S|--help/;

/** Every rule a run with a bad value breaks. */
export function judge(c: Case, run: Run, needles: ReturnType<typeof secretNeedles>): Violation[] {
  const v: Violation[] = [];
  const all = `${run.stdout}\n${run.stderr}`;
  if (run.hung) v.push({ rule: 'hang', detail: 'still running when the hang guard killed it' });
  else if (run.code === 0) {
    v.push({ rule: 'accepted', detail: 'exit 0: the bad value was accepted' });
    return [...v, ...leaks(all, needles)];
  } else if (run.code === null) v.push({ rule: 'signal', detail: `ended by ${run.signal}` });
  else if (!ALLOWED_EXIT.has(run.code)) {
    const code = errorCode(c, run);
    v.push({ rule: 'exit-code', detail: `exit ${run.code}${code ? ` (${code})` : ''}` });
  }
  if (STACK_FRAME.test(all)) v.push({ rule: 'stack-trace', detail: firstLine(all, STACK_FRAME) });
  if (/Internal error|"INTERNAL"|This is a bug/.test(all))
    v.push({ rule: 'internal-error', detail: firstLine(all, /Internal error|INTERNAL|This is a bug/) });
  v.push(...leaks(all, needles), ...unprintable(c, run));
  if (run.hung) return v;
  if (c.json && c.args.includes('doctor')) {
    // doctor --json prints its report, also when a prerequisite is missing (exit 4).
    if (!doctorReportFails(run.stdout))
      v.push({
        rule: 'json-shape',
        detail: `stdout is not a failed doctor report with a hint: ${excerpt(run.stdout || run.stderr)}`,
      });
  } else if (c.json) {
    const parsed = parseJsonError(run.stdout);
    if (!parsed)
      v.push({
        rule: 'json-shape',
        detail: `stdout is not {"error":{…}}: ${excerpt(run.stdout || run.stderr)}`,
      });
    else {
      if (parsed.exitCode !== run.code)
        v.push({ rule: 'json-shape', detail: `error.exitCode ${parsed.exitCode} but exit ${run.code}` });
      if (!parsed.hint)
        v.push({
          rule: 'no-hint',
          detail: `JSON error has no hint: ${parsed.code}: ${parsed.message.slice(0, 160)}`,
        });
    }
  } else {
    const message = run.stderr.split('\n').find((l) => /^(Error|error)\b/.test(l));
    if (!message)
      v.push({ rule: 'no-message', detail: `no error line on stderr: ${excerpt(run.stderr || run.stdout)}` });
    else if (!/^\s*hint:/m.test(run.stderr) && !COMMANDER_HINTS.test(run.stderr))
      v.push({ rule: 'no-hint', detail: excerpt(message) });
  }
  return v;
}

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
/** No line of an error is longer than this: a long value is shortened ("… (N characters)"). */
const MAX_ERROR_LINE = 400;

/**
 * The error as a person reads it must be printable whatever value was typed: no raw control
 * character but the newline anywhere in the output, and no line over 400 characters (in text mode
 * the lines of stderr and stdout but the NDJSON events, with --json the error's message and hint).
 */
function unprintable(c: Case, run: Run): Violation[] {
  const v: Violation[] = [];
  const control = RAW_CONTROL.exec(`${run.stdout}\n${run.stderr}`);
  if (control)
    v.push({
      rule: 'control-char',
      detail: `raw U+${control[0].charCodeAt(0).toString(16).padStart(4, '0')} printed`,
    });
  const error = c.json ? parseJsonError(run.stdout) : undefined;
  const lines = error
    ? `${error.message}\n${error.hint ?? ''}`.split('\n')
    : `${run.stdout}\n${run.stderr}`.split('\n').filter((l) => !l.startsWith('{"type":'));
  const long = lines.find((l) => l.length > MAX_ERROR_LINE);
  if (long) v.push({ rule: 'long-line', detail: `${long.length} characters: ${long.slice(0, 120)}…` });
  return v;
}

const leaks = (text: string, needles: ReturnType<typeof secretNeedles>): Violation[] =>
  needles
    .filter(({ needle }) => text.includes(needle))
    .map(({ secret, needle, form }) => ({
      rule: 'secret',
      detail: `${secret} printed (${form}): …${needle.slice(0, 6)}…`,
    }));

function doctorReportFails(stdout: string): boolean {
  try {
    const report = JSON.parse(stdout) as { ok?: unknown; hint?: unknown };
    return report.ok === false && typeof report.hint === 'string' && report.hint !== '';
  } catch {
    return false;
  }
}

function parseJsonError(
  stdout: string,
): { code: string; message: string; hint?: string; exitCode: number } | undefined {
  try {
    const value = JSON.parse(stdout) as {
      error?: {
        code?: unknown;
        message?: unknown;
        hint?: unknown;
        exitCode?: unknown;
        problems?: { hint?: string }[];
      };
    };
    const e = value.error;
    if (!e || typeof e.code !== 'string' || typeof e.message !== 'string' || typeof e.exitCode !== 'number')
      return undefined;
    const hint = typeof e.hint === 'string' && e.hint ? e.hint : e.problems?.find((p) => p.hint)?.hint;
    return { code: e.code, message: e.message, exitCode: e.exitCode, ...(hint && { hint }) };
  } catch {
    return undefined;
  }
}

function errorCode(c: Case, run: Run): string | undefined {
  if (c.json) return parseJsonError(run.stdout)?.code;
  return /^Error (\S+):/m.exec(run.stderr)?.[1];
}

const excerpt = (text: string): string => JSON.stringify(text.trim().slice(0, 240));
const firstLine = (text: string, pattern: RegExp): string =>
  excerpt(text.split('\n').find((l) => pattern.test(l)) ?? '');

/** A case as a shell line a person can paste (values quoted, long ones shortened in the report). */
export function shellLine(c: Case, envPrefix: string): string {
  const quote = (a: string): string => {
    const shown = a.length > 80 ? `${a.slice(0, 40)}…(${a.length} chars)` : a;
    return /^[\w@%+=:,./-]+$/.test(shown) ? shown : JSON.stringify(shown);
  };
  return `${envPrefix} omrs ${c.args.map(quote).join(' ')}`;
}

/**
 * The malformed inputs of issue 21 and of fixes made since, run on every seed: each once broke a
 * rule above (internal error, accepted value, printed secret or file content).
 */
export function knownCases(f: Fixtures): Case[] {
  const s = f.secrets.urlPassword;
  const known: [args: string[], docker: DockerVariant][] = [
    [['env', 'create', '--ttl', '99999999999d', '--runtime', 'compose'], 'absent-socket'],
    [['env', 'extend', 'robustness-absent-0000', '--ttl', '99999999999d'], 'real'],
    [['logs', '-e', 'robustness-absent-0000', '--tail', 'abc'], 'real'],
    [['logs', '-e', 'robustness-absent-0000', '--tail', '-5'], 'real'],
    [['status', '--env', ''], 'real'],
    [['up', '--env', ''], 'absent-socket'],
    [['status'], 'not-docker'],
    [['env', 'ls', '--runtime', 'compose'], 'not-docker'],
    [['compose', 'export', '-o', '-'], 'absent-socket'],
    [['compose', 'export', '-o', `${f.regularFile}/x.yaml`], 'absent-socket'],
    [['compose', 'export', '-o', '/proc/omrs-robustness/y.yaml'], 'absent-socket'],
    [['render', '-o', `${f.regularFile}/x`], 'absent-socket'],
    [['images', 'save', '-o', `${f.regularFile}/x.tar`], 'absent-socket'],
    [['promote', 'record', '-o', `${f.regularFile}/x.json`], 'absent-socket'],
    [['seed', '--db', `mysql//u:${s}@127.0.0.1:9/db`], 'absent-socket'],
    [['seed', '--db', `mysql:/u:${s}@127.0.0.1:9/db`], 'absent-socket'],
    [['seed', '--db', `mysql:u:${s}@127.0.0.1:9/db`], 'absent-socket'],
    [['seed', '--db', `u:${s}@127.0.0.1:9/db`], 'absent-socket'],
    [['seed', '--db', `mysql://u:p@${s}@127.0.0.1:9/db`], 'absent-socket'],
    [['db', 'snapshot', 'x', '--db', `mysql://u:p@${s}@127.0.0.1:9/db`], 'absent-socket'],
    [['check', '--scope', 'database', '--db', `mysql:u:${s}@127.0.0.1:9/db`], 'absent-socket'],
    [['check', '--format', 'xml'], 'absent-socket'],
    [['check', '--level', 'staging', '--json'], 'absent-socket'],
    [['check', 'absent.yaml'], 'absent-socket'],
    [['check', 'notes.txt'], 'absent-socket'],
    [['check', 'a-folder', '--json'], 'absent-socket'],
    [['profile', 'validate', 'leaky'], 'absent-socket'],
    [['profile', 'show', 'leaky-extends'], 'absent-socket'],
    [['profile', 'show', f.secretFile], 'absent-socket'],
    [['profile', 'show', '../../../../../../etc/passwd'], 'absent-socket'],
    [['up', '-p', 'leaky', '--json'], 'absent-socket'],
    [['render', '-p', 'leaky'], 'absent-socket'],
    [['--json', 'up', '--pull', '3'], 'absent-socket'],
    [['--json', 'env', 'create'], 'absent-socket'],
  ];
  // On a database that answers: an empty --run must not mean "every run".
  const onDatabase: string[][] = [
    ['seed', '--purge', '--run', ''],
    ['seed', '--purge', '--run=', '--json'],
  ];
  return [
    ...known.map(([args, docker]) => ({ args, docker })),
    ...onDatabase.map((args) => ({ args, docker: 'absent-socket' as const, database: true })),
  ].map((c) => ({
    slot: `known: omrs ${c.args[0] === '--json' ? c.args[1] : c.args[0]}`,
    json: c.args.includes('--json'),
    ...c,
  }));
}

/** The command a known case belongs to, as the key of its test: the longest matching command path. */
export const knownCaseCommand = (c: Case, keys: readonly string[]): string => {
  const words = c.args.filter((a) => a !== '--json');
  return [...keys]
    .filter((k) => k === '' || words.slice(0, k.split(' ').length).join(' ') === k)
    .sort((a, b) => b.length - a.length)[0]!;
};
