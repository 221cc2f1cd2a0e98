// Every code an OmrsError carries, with the exit code(s) it ends a command with and what it means.
// `--json` prints the code as error.code, and docs/errors.md lists this catalogue; a code that is not
// here does not compile (OmrsError's `code` is an ErrorCode), and test/unit/error-codes.test.ts
// checks each throw's exit code against it and the docs table against it.
// A leaf module: it imports nothing.

type Exit = 'failed' | 'usage' | 'gate' | 'prerequisite' | 'interrupted';

interface CodeInfo {
  /** The exit code(s) a command ends with when this error reaches the CLI. */
  exit: readonly Exit[];
  meaning: string;
}

const e = (exit: Exit | readonly Exit[], meaning: string): CodeInfo => ({
  exit: typeof exit === 'string' ? [exit] : exit,
  meaning,
});

export const ERROR_CODES = {
  // The CLI itself
  CLI_UNKNOWN_COMMAND: e('usage', 'no such command'),
  CLI_UNKNOWN_OPTION: e('usage', 'no such flag for this command'),
  CLI_EXCESS_ARGUMENTS: e('usage', 'more arguments than the command takes'),
  CLI_MISSING_ARGUMENT: e('usage', 'a required argument is missing'),
  CLI_OPTION_MISSING_ARGUMENT: e('usage', 'a flag is missing its value'),
  CLI_MISSING_MANDATORY_OPTION_VALUE: e('usage', 'a required flag is missing'),
  CLI_CONFLICTING_OPTION: e('usage', 'two flags that exclude each other'),
  CLI_INVALID_ARGUMENT: e(
    'usage',
    "a flag's or argument's value (or its environment variable twin) is not valid",
  ),
  CLI_USAGE: e('usage', 'any other command-line usage error'),
  USAGE: e('usage', 'a command was given an action it does not know'),
  INTERNAL: e('failed', 'a bug in omrs: it is reported with its stack'),
  INTERRUPTED: e('interrupted', 'Ctrl-C or SIGTERM stopped the command; running it again converges'),
  BAD_DURATION: e('usage', 'a duration ("90s", "4h", "2d") that cannot be read or is out of its range'),
  OUTPUT_NOT_STDOUT: e('usage', '`-o -` where the output is not one stream'),
  OUTPUT_NOT_WRITABLE: e('usage', 'the `-o` path cannot be written'),
  CONFIG_INVALID: e('usage', 'the omrs project config (package.json "omrs" or .omrsrc) is not valid'),
  PREREQUISITE_MISSING: e('prerequisite', "`omrs doctor`: something the profile's runtime needs is missing"),

  // Profiles
  PROFILE_NOT_FOUND: e('usage', 'no profile of that name, or no file at that path'),
  PROFILE_UNREADABLE: e('usage', 'the profile file cannot be read (a folder, no permission)'),
  PROFILE_EMPTY: e('usage', 'the profile file is empty'),
  PROFILE_TOO_LARGE: e('usage', 'the profile file is over 1 MiB'),
  PROFILE_NOT_TEXT: e('usage', 'the profile file is binary or not UTF-8'),
  PROFILE_NOT_YAML_FILE: e('usage', 'the file is not named .yaml or .yml'),
  PROFILE_NOT_A_MAP: e('usage', 'the YAML is not a map of keys'),
  PROFILE_NOT_A_PROFILE: e('usage', 'a YAML map without any profile key'),
  PROFILE_YAML_SYNTAX: e('usage', 'the profile is not valid YAML (several documents, alias bombs included)'),
  PROFILE_DUPLICATE_KEY: e('usage', 'a key appears twice in the same map'),
  PROFILE_EXTENDS_CYCLE: e('usage', 'profiles extend each other in a circle'),
  PROFILE_EXTENDS_INVALID: e('usage', '`extends` is not a name or list of names, or the chain is too deep'),
  PROFILE_EXTENDS_NOT_FOUND: e('usage', 'a profile named in `extends` does not exist'),
  PROFILE_INTERPOLATION: e('usage', 'a ${VAR} that cannot be filled in (unset, unclosed)'),
  PROFILE_INVALID: e('usage', 'the profile breaks the schema (each problem is listed)'),
  PROFILE_INVALID_TYPE: e('usage', 'a value of the wrong type, or a required key missing'),
  PROFILE_INVALID_VALUE: e('usage', 'a value outside what the key allows'),
  PROFILE_UNKNOWN_KEY: e('usage', 'a key the schema does not know (with a "did you mean")'),

  // Render, images
  RENDER_INVALID: e('usage', 'the profile cannot be turned into chart values (each problem is listed)'),
  RENDER_ADMIN_PASSWORD_TWICE: e('usage', 'admin.password and admin.passwordSecretRef are both set'),
  RENDER_EXTERNAL_DB_SECRET: e('usage', 'an external database without database.external.secretRef'),
  RENDER_TENANT_DUPLICATE: e('usage', 'two tenants with the same name'),
  RENDER_TENANT_ROUTE_DUPLICATE: e('usage', 'two tenants with the same route'),
  RENDER_BAD_ENV_NAME: e('usage', 'an environment name that is not DNS-safe'),
  RENDER_VALUES_INVALID: e('usage', "the chart's values schema refused the values"),
  RENDER_HELM_FAILED: e('failed', '`helm template` failed'),
  RENDER_BAD_YAML: e('failed', 'the chart rendered invalid YAML'),
  RENDER_BAD_OBJECT: e('failed', 'the chart rendered a document that is not a Kubernetes object'),
  HELM_NOT_FOUND: e('prerequisite', 'no helm on PATH and omrs could not provide one'),
  MANIFEST_BAD_YAML: e('usage', 'a manifest file is not valid YAML'),
  MANIFEST_ALIAS_BOMB: e('usage', 'a manifest file has YAML aliases that expand too much'),
  MANIFEST_NOT_OBJECT: e('usage', 'a manifest document is not a Kubernetes object'),
  IMAGES_MISSING: e('prerequisite', 'images of the profile are not in the local Docker engine'),
  IMAGE_MISSING: e('prerequisite', 'one missing image (a problem of IMAGES_MISSING)'),
  IMAGES_RESOLVE_FAILED: e('failed', 'the registry gave no digest for some images'),
  IMAGE_RESOLVE_FAILED: e('failed', 'one image without a digest (a problem of IMAGES_RESOLVE_FAILED)'),
  IMAGES_SAVE_FAILED: e('failed', 'the image bundle could not be written'),
  IMAGE_PUSH_FAILED: e('failed', 'an image could not be pushed to the mirror registry'),
  MODULE_FETCH_FAILED: e('failed', 'images save could not fetch a module of the profile'),
  MODULE_CHECKSUM_MISMATCH: e('failed', "a module's file has another SHA-256 than the profile gives"),
  BUNDLE_NOT_FOUND: e('usage', 'no image bundle at that path'),
  BUNDLE_CORRUPT: e('usage', 'the file is not a usable image bundle'),

  // Runtimes: Docker (compose)
  RUNTIME_UNKNOWN: e('usage', 'a runtime omrs does not run on'),
  DOCKER_UNREACHABLE: e(
    ['prerequisite', 'failed'],
    'the Docker engine does not answer (DOCKER_HOST or the default socket)',
  ),
  DOCKER_NOT_DOCKER: e('prerequisite', 'DOCKER_HOST answers, but not as a Docker engine'),
  COMPOSE_UNSUPPORTED_KIND: e('failed', 'the chart renders a kind the compose runtime cannot run'),
  COMPOSE_UNSUPPORTED: e('failed', 'the chart uses a feature the compose runtime cannot express'),
  COMPOSE_MISSING_REFERENCE: e('failed', 'a workload refers to something the chart did not render'),
  COMPOSE_VOLUME_GROUP: e('failed', 'a volume could not be given to its pod’s fsGroup'),
  COMPOSE_BAD_OBJECT: e(
    'failed',
    'a rendered object the compose runtime cannot read (e.g. a probe on an undeclared port)',
  ),
  COMPOSE_CONFLICT: e(
    'failed',
    'Docker refused a change: another omrs or docker command uses the environment',
  ),
  COMPOSE_IMAGES_MISSING: e(
    'prerequisite',
    'images are not on the engine and --pull never forbids pulling them',
  ),
  COMPOSE_STEP_FAILED: e('failed', 'a step of `up` failed (the container, its logs and events are listed)'),
  COMPOSE_STEP_TIMEOUT: e('failed', 'a step of `up` did not become ready in time'),
  COMPOSE_EXPORT_ENV_VALUE: e('failed', 'a value a .env file cannot carry (a quote or a line break)'),
  COMPOSE_EXPORT_NAME: e('failed', "the chart uses the name of the export's own prepare service"),
  COMPOSE_EXPORT_SECRET: e('failed', 'the export would write a Secret value into a plain file'),
  COMPOSE_EXPORT_UNSUPPORTED: e('failed', 'a mount the compose export cannot express'),
  LOCK_UNWRITABLE: e('prerequisite', "the environment's lock file cannot be written"),
  LOCK_BAD_WAIT: e('usage', 'OMRS_LOCK_WAIT is not a duration'),
  ENV_LOCKED: e('failed', 'another omrs is working on the environment (one writer per environment)'),
  SERVICE_NOT_FOUND: e('usage', 'the environment has no service of that name'),
  LOGS_BAD_SINCE: e('usage', '--since is neither a duration nor a date'),
  LOGS_UNAVAILABLE: e('failed', 'no log could be read from any pod of the service'),

  // Runtimes: clusters
  KUBE_CONFIG_MISSING: e('prerequisite', 'the kubeconfig cannot be read'),
  KUBE_NO_CONTEXT: e('prerequisite', 'the kubeconfig has no current context and the profile names none'),
  KUBE_CONTEXT_NOT_FOUND: e('prerequisite', 'the context is not in the kubeconfig'),
  KUBE_CONTEXT_REQUIRED: e('prerequisite', 'a production profile that names no context'),
  KUBE_CONTEXT_FLAG_REQUIRED: e('usage', 'a production profile needs --context spelled out'),
  KUBE_CONTEXT_MISMATCH: e('usage', "--context is not the profile's context"),
  KUBE_CONFIRMATION_REQUIRED: e(
    'usage',
    'a production context needs confirmation and there is no terminal (pass --yes)',
  ),
  KUBE_NOT_CONFIRMED: e('usage', 'the typed confirmation was not the context name'),
  KUBE_UNREACHABLE: e('prerequisite', 'the API server does not answer'),
  KUBE_UNAUTHORIZED: e('failed', 'the API server refused the credentials (401)'),
  KUBE_FORBIDDEN: e('failed', 'the API server refused the request (403, RBAC)'),
  KUBE_INVALID: e('failed', 'the API server refused an object as invalid (422)'),
  KUBE_API_ERROR: e('failed', 'any other refusal of the API server'),
  KUBE_QUOTA_EXCEEDED: e('failed', "the namespace's quota refused the release"),
  KUBE_NAMESPACE_TERMINATING: e('failed', 'the namespace is still being deleted'),
  KUBE_ROLLOUT_FAILED: e(
    'failed',
    'a workload did not become ready (conditions, events and logs are listed)',
  ),
  KUBE_RESTART_JOB: e('usage', 'a Job cannot be restarted'),
  HELM_FAILED: e('failed', 'a helm install, upgrade, rollback or uninstall failed'),
  KIND_CONFIG_NOT_FOUND: e('usage', "the kind cluster's config file does not exist"),
  CLUSTER_PROVIDER_MISSING: e('prerequisite', 'kind or minikube is not installed'),
  CLUSTER_PROVIDER_FAILED: e('failed', 'kind or minikube failed'),
  CONDITION: e('failed', 'a problem of KUBE_ROLLOUT_FAILED: a condition of the workload'),
  EVENT: e('failed', 'a problem of KUBE_ROLLOUT_FAILED: a Kubernetes event'),
  CONTAINER: e(
    'failed',
    'a problem of KUBE_ROLLOUT_FAILED: the container that keeps a pod unready, and its state',
  ),
  LOG: e('failed', 'a problem of KUBE_ROLLOUT_FAILED: a log line'),
  LOGS: e('failed', 'a problem of KUBE_ROLLOUT_FAILED: why no log is shown'),

  // Environments
  ENV_NOT_FOUND: e(['usage', 'failed'], 'no environment of that name'),
  ENV_NOT_RUNNING: e('failed', 'the environment is not running (nothing published)'),
  ENV_NOT_READY: e('failed', 'no ready gateway pod to open'),
  ENV_RESTORE_NOT_READY: e('failed', 'a backend did not become ready after its database was restored'),
  ENV_EXISTS: e('usage', 'an environment of that name exists already'),
  ENV_NAME_EXHAUSTED: e('failed', 'no free generated name after several attempts'),
  ENV_BAD_TTL: e('usage', 'a time to live that is not a duration or is out of range'),
  ENV_BAD_SCHEDULE: e('usage', 'a gc CronJob schedule that is not a cron expression'),

  // Seeding and databases
  SEED_NO_TARGET: e(
    ['usage', 'failed'],
    "no database: none given (pass --env, --db or set OMRS_DB_URL), or the environment's backend names none",
  ),
  SEED_BAD_USAGE: e('usage', 'flags that do not go together'),
  SEED_BAD_DB_URL: e('usage', 'the database URL cannot be read'),
  SEED_BAD_SIZE: e('usage', 'an unknown seed size'),
  SEED_BAD_COUNT: e('usage', 'a count out of range'),
  SEED_BAD_SEED: e('usage', 'a random seed out of range'),
  SEED_BAD_LOCALE: e('usage', 'an unknown faker locale'),
  SEED_BAD_TENANT: e('usage', 'no such tenant, or several and no --tenant'),
  SEED_NO_PASSWORD: e('usage', 'the variable --user-password-env names is empty'),
  SEED_UNKNOWN_RUN: e('usage', 'no seed run of that id'),
  SEED_RUN_GONE: e('usage', 'the seed run is already purged'),
  SEED_EXTERNAL_DATABASE: e(
    'usage',
    'the tenant uses a database outside the cluster: pass its URL with --db',
  ),
  SEED_DB_UNREACHABLE: e('prerequisite', 'the database does not answer'),
  SEED_DB_NOT_RUNNING: e('prerequisite', "the environment's database is not running"),
  SEED_DB_ACCESS_DENIED: e('usage', 'the database refused the login'),
  SEED_DB_MISSING: e('usage', 'the database (schema) does not exist'),
  SEED_NO_OPENMRS_SCHEMA: e('prerequisite', 'the database has no OpenMRS schema'),
  SEED_DB_CONNECTION_LOST: e('failed', 'the connection was lost during the work'),
  SEED_DB_ERROR: e('failed', 'the database refused a statement'),
  SEED_LOCKED: e('failed', 'another seed or purge runs against the same database'),
  SEED_PURGE_REFERENCED: e('failed', 'rows made outside the seeder refer to seeded rows: nothing was purged'),
  SNAPSHOT_BAD_NAME: e('usage', 'a snapshot name with characters other than letters, digits and . _ -'),
  SNAPSHOT_NOT_FOUND: e('usage', 'no snapshot of that name'),
  SNAPSHOT_NO_CLIENT: e('prerequisite', 'mariadb-dump / mariadb (or mysqldump / mysql) is not installed'),
  SNAPSHOT_NO_FOLDER: e('failed', 'the snapshot folder cannot be created'),
  SNAPSHOT_BUSY: e('failed', 'another omrs is writing the same snapshot'),
  SNAPSHOT_TOOL_FAILED: e(['prerequisite', 'failed'], 'the dump or restore tool failed'),

  // Checks
  CHECK_NOTHING: e('usage', 'nothing to check'),
  CHECK_BAD_FLAG: e('usage', 'a flag value outside its choices'),
  CHECK_BAD_SCOPE: e('usage', 'an unknown scope'),
  CHECK_SCOPE_UNAVAILABLE: e('usage', 'a scope that cannot run here (no database, no cluster)'),
  CHECK_UNKNOWN_RULE: e('usage', 'no rule of that id'),
  CHECK_PATH_NOT_FOUND: e('usage', 'a path that does not exist'),
  CHECK_PATH_UNKNOWN: e('usage', 'a path that is neither a manifest nor Terraform'),
  CHECK_BAD_MANIFEST: e('usage', 'a manifest that cannot be read'),
  CHECK_TERRAFORM_PARSE: e('usage', 'a Terraform file that cannot be parsed'),
  CHECK_NO_CONTEXT: e('prerequisite', 'the context for the cluster scope is not in the kubeconfig'),
  CHECK_CLUSTER_FAILED: e(['prerequisite', 'failed'], 'the cluster cannot be read'),

  // Promotion
  PROMOTE_RECORD_REQUIRED: e('usage', 'a production profile needs the QA record of the app'),
  PROMOTE_DB_REQUIRED: e('usage', 'a production profile needs --db: its gate checks every tenant database'),
  PROMOTE_BAD_RECORD: e('usage', 'the QA record cannot be read'),
  PROMOTE_QA_CHECKS_FAILED: e(
    'gate',
    'promote record: the QA profile’s check gate failed; no record written',
  ),
  PROMOTE_IMAGE_DIGEST_MISMATCH: e(
    'failed',
    'an image to deploy is not the digest QA tested (the problems list them)',
  ),
  IMAGE_NOT_TESTED: e('failed', 'a problem of PROMOTE_IMAGE_DIGEST_MISMATCH: one image'),
  PROMOTE_DIGESTS_UNRESOLVED: e(
    'failed',
    'images.pinDigests is on and a registry gave no digest for an image; nothing changed',
  ),
  PROMOTE_APP_DIGEST_MISMATCH: e(
    'failed',
    'the profile is not the app QA tested (the app keys that differ are listed)',
  ),
  APP_KEY_DIFFERS: e('failed', 'a problem of PROMOTE_APP_DIGEST_MISMATCH: one app key'),
  PROMOTE_GATE_FAILED: e('gate', 'the check gate failed (the failing findings are listed)'),
  PROMOTE_CONFIRMATION_REQUIRED: e('usage', 'confirmation needed and there is no terminal (pass --yes)'),
  PROMOTE_NOT_CONFIRMED: e('usage', 'the typed confirmation was wrong; nothing changed'),
  PROMOTE_BAD_TIMEOUT: e('usage', 'a timeout flag that is not a duration'),
  PROMOTE_SMOKE_URL_REQUIRED: e('usage', 'no smoke-test URL'),
  PROMOTE_NO_EKS: e('usage', 'the profile has no cluster.eks section for Terraform'),
  PROMOTE_NO_GATEWAY: e(
    ['usage', 'failed'],
    'no gateway to switch: the profile turns it off, or the render has no gateway Service',
  ),
  PROMOTE_SECRET_MISSING: e(
    'prerequisite',
    "a Secret the profile names is not in the environment's namespace",
  ),
  PROMOTE_IDLE_NOT_READY: e('failed', 'the idle colour did not become ready'),
  PROMOTE_SMOKE_FAILED: e('failed', 'the smoke test of the idle colour failed'),
  SMOKE_OK: e('failed', 'a problem of PROMOTE_SMOKE_FAILED: a check that passed'),
  SMOKE_FAILED: e('failed', 'a problem of PROMOTE_SMOKE_FAILED: a check that failed'),
  PROMOTE_DB_NOT_FOUND: e('failed', 'no RDS instance of that name'),
  PROMOTE_SNAPSHOT_FAILED: e('failed', 'the RDS snapshot failed'),
  PROMOTE_TIMEOUT: e('failed', 'an AWS operation did not finish in time'),
  PROMOTE_FAILED: e('failed', 'a step failed; the live colour still serves'),
  ROLLBACK_NOTHING_LIVE: e('failed', 'no promotion is live to roll back'),
  ROLLBACK_NO_DUMP: e('usage', 'the promotion to roll back took no dump of the previous colour’s databases'),
  ROLLBACK_NO_RDS: e('usage', 'the profile has no RDS instance to restore'),
  ROLLBACK_TARGET_NOT_READY: e('failed', 'the previous colour is not ready; the live one stays'),
  AWS_UNREACHABLE: e('prerequisite', 'AWS (or OMRS_AWS_ENDPOINT) cannot be reached'),
  AWS_CREDENTIALS: e('prerequisite', 'no usable AWS credentials'),
  AWS_FAILED: e('failed', 'AWS refused a request'),
  TERRAFORM_NOT_FOUND: e('prerequisite', 'neither terraform nor OpenTofu is installed'),
  TERRAFORM_INIT_FAILED: e('prerequisite', '`terraform init` failed'),
  TERRAFORM_PROVIDER_MISSING: e('prerequisite', 'a Terraform provider cannot be installed'),
  TERRAFORM_PLAN_FAILED: e('failed', '`terraform plan` failed'),
  TERRAFORM_APPLY_FAILED: e('failed', '`terraform apply` failed'),
  DESTROY_NOT_CONFIRMED: e('usage', 'destroy was not confirmed with the environment’s name'),
  DESTROY_DATABASE_STOPPED: e(
    'prerequisite',
    'a bundled database does not run: no final snapshot can be taken',
  ),
  DESTROY_NO_INFRASTRUCTURE: e('usage', '--infrastructure with a profile that names no AWS infrastructure'),
  DESTROY_DELETION_PROTECTED: e(
    'failed',
    'the profile’s RDS has deletion protection: its infrastructure stays',
  ),
  BACKUP_NOT_FOUND: e('usage', 'no such backup, or no backup schedule in the environment'),
  BACKUP_READ_FAILED: e('failed', 'the backups on the backup volume could not be read'),
  BACKUP_FAILED: e('failed', 'the backup run asked for by `omrs db backup` failed'),
  BACKUP_TIMEOUT: e('failed', 'a backup run asked for by `omrs db backup` did not end in time'),
} as const satisfies Record<string, CodeInfo>;

/** Every code an OmrsError can carry. */
export type ErrorCode = keyof typeof ERROR_CODES;

export const isErrorCode = (code: unknown): code is ErrorCode =>
  typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);

/** `code` when it is in the catalogue (a problem's code that names the whole error), else `fallback`. */
export const errorCodeOr = (code: unknown, fallback: ErrorCode): ErrorCode =>
  isErrorCode(code) ? code : fallback;
