// The flags many commands share, defined once: one help text, one set of choices, and an
// environment variable twin read when the flag is not given (the flag wins). `omrs <cmd> --help`
// shows the twin as (env: OMRS_…).
import { Option } from 'commander';
import { RUNTIMES } from '../profile/runtimes.js';
import { envName, nonEmpty } from './arguments.js';

/** What `(default: …)` says: commands whose default differs from the usual one pass their own. */
type DefaultText = string;

/** `-p, --profile` (OMRS_PROFILE): a profile name from the profiles folder, or a YAML file's path. */
export const profileOption = (defaultText: DefaultText = 'the project default'): Option =>
  new Option('-p, --profile <profile>', `profile name or path to a YAML file (default: ${defaultText})`)
    .env('OMRS_PROFILE')
    .argParser(nonEmpty('--profile', 'leave --profile out (and OMRS_PROFILE unset) for the project default'));

/** `--runtime` (OMRS_RUNTIME): where an environment runs. */
export const runtimeOption = (defaultText: DefaultText = "the profile's runtime"): Option =>
  new Option(
    '--runtime <runtime>',
    `where it runs: compose is this Docker engine, the others are clusters (default: ${defaultText})`,
  )
    .env('OMRS_RUNTIME')
    .choices(RUNTIMES);

/** `-e, --env` (OMRS_ENV): an environment's name, checked as every environment name is. */
export const envOption = (defaultText: DefaultText = 'the profile name'): Option =>
  new Option('-e, --env <name>', `environment name (default: ${defaultText})`)
    .env('OMRS_ENV')
    .argParser(envName('--env', 'leave --env out (and OMRS_ENV unset) for the default environment'));

/** `--context` (OMRS_CONTEXT): the Kubernetes context; the context guard still checks it. */
export const contextOption = (): Option =>
  new Option(
    '--context <name>',
    "Kubernetes context; must be the one the profile names, when it names one (default: the profile's)",
  )
    .env('OMRS_CONTEXT')
    .argParser(
      nonEmpty('--context', "leave --context out (and OMRS_CONTEXT unset) for the profile's context"),
    );

/** `--kubeconfig`: its twin is KUBECONFIG itself, which the cluster client reads when the flag is absent. */
export const kubeconfigOption = (): Option =>
  new Option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG, else ~/.kube/config)');

/** `--json` (OMRS_JSON, any value): the result as JSON on stdout, progress as NDJSON on stderr. */
export const jsonOption = (): Option =>
  new Option(
    '--json',
    'machine-readable output: the result as JSON on stdout, progress as NDJSON on stderr',
  ).env('OMRS_JSON');

/** `--plain` (OMRS_PLAIN, any value): one line per state change even in a terminal. */
export const plainOption = (): Option =>
  new Option(
    '--plain',
    'plain line output even in a terminal (the default without a TTY or with CI=true)',
  ).env('OMRS_PLAIN');
