// `omrs doctor`: runs every prerequisite check concurrently and decides which ones the
// profile's runtime needs. Looks only; prints nothing.
import { homedir } from 'node:os';
import { isOmrsError, type ErrorCode } from '../errors.js';
import { maskCredentials, printable } from '../mask.js';
import type { RuntimeName } from '../profile/schema.js';
import type { Env } from '../platform/exec.js';
import {
  checkAwsCredentials,
  checkDisk,
  checkDocker,
  checkHelm,
  checkKind,
  checkKubeContext,
  checkKubectl,
  checkMinikube,
  checkTerraform,
  type CheckDeps,
  type CheckOutcome,
} from './prerequisite-checks.js';

export interface PrerequisiteCheck extends CheckOutcome {
  name: string;
  /** The runtimes that cannot work without it. */
  requiredFor: RuntimeName[];
  /** Required by the runtime of the profile being checked. */
  required: boolean;
}

interface CheckDefinition {
  name: string;
  requiredFor: RuntimeName[];
  run: (deps: CheckDeps) => Promise<CheckOutcome>;
}

export const CHECKS: readonly CheckDefinition[] = [
  { name: 'docker', requiredFor: ['compose', 'kind'], run: checkDocker },
  { name: 'helm', requiredFor: ['kind', 'minikube', 'kube', 'eks'], run: checkHelm },
  { name: 'kubectl', requiredFor: [], run: checkKubectl },
  { name: 'kube-context', requiredFor: ['kube'], run: checkKubeContext },
  { name: 'kind', requiredFor: ['kind'], run: checkKind },
  { name: 'minikube', requiredFor: ['minikube'], run: checkMinikube },
  { name: 'terraform', requiredFor: ['eks'], run: checkTerraform },
  { name: 'aws-credentials', requiredFor: ['eks'], run: checkAwsCredentials },
  { name: 'disk', requiredFor: [], run: checkDisk },
];

export interface ProfileUnderTest {
  name: string;
  file: string;
  runtime: RuntimeName;
}

export interface DoctorDeps {
  env: Env;
  cwd: string;
  home?: string;
  signal?: AbortSignal;
  /** Loads the profile whose runtime decides what is required; may throw. */
  loadProfile: () => Promise<ProfileUnderTest>;
  /**
   * The user named the profile (`doctor -p`): when it cannot be loaded the report fails. Without
   * one, a project default that does not load only means that nothing is required.
   */
  profileNamed?: boolean;
  /** Upper bound for any single check. */
  checkTimeoutMs?: number;
}

export interface DoctorReport {
  profile?: ProfileUnderTest;
  /** Why the profile could not be loaded; then nothing is required. */
  profileError?: { code: ErrorCode; message: string };
  runtime?: RuntimeName;
  checks: PrerequisiteCheck[];
  /** Names of required checks whose status is "missing". */
  missing: string[];
  ok: boolean;
  /** What to do about the missing ones. */
  hint?: string;
}

const CHECK_TIMEOUT_MS = 8_000;

export async function diagnose(deps: DoctorDeps): Promise<DoctorReport> {
  const checkDeps: CheckDeps = {
    env: deps.env,
    cwd: deps.cwd,
    home: deps.home ?? deps.env.HOME ?? homedir(),
    ...(deps.signal && { signal: deps.signal }),
  };
  const timeoutMs = deps.checkTimeoutMs ?? CHECK_TIMEOUT_MS;
  const [profileResult, outcomes] = await Promise.all([
    deps.loadProfile().then(
      (profile) => ({ profile }),
      (error: unknown) => ({ error: describeProfileError(error) }),
    ),
    Promise.all(CHECKS.map((check) => runGuarded(check, checkDeps, timeoutMs))),
  ]);
  const runtime = 'profile' in profileResult ? profileResult.profile.runtime : undefined;
  const checks = CHECKS.map((check, i): PrerequisiteCheck => ({
    name: check.name,
    ...outcomes[i]!,
    requiredFor: check.requiredFor,
    required: runtime !== undefined && check.requiredFor.includes(runtime),
  }));
  const missingChecks = checks.filter((c) => c.required && c.status === 'missing');
  const profileFailed = 'error' in profileResult && deps.profileNamed === true;
  const hint = [
    ...(profileFailed ? [`profile: ${PROFILE_FIX}`] : []),
    ...missingChecks.map((c) => `${c.name}: ${c.fix ?? c.detail}`),
  ].join('\n');
  return {
    ...('profile' in profileResult
      ? { profile: profileResult.profile }
      : { profileError: profileResult.error }),
    ...(runtime && { runtime }),
    checks,
    missing: missingChecks.map((c) => c.name),
    ok: missingChecks.length === 0 && !profileFailed,
    ...(hint && { hint }),
  };
}

/** A check that throws or hangs becomes an outcome, so one bad check never hides the others. */
async function runGuarded(check: CheckDefinition, deps: CheckDeps, timeoutMs: number): Promise<CheckOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(
      () => resolve({ status: 'missing', detail: `did not answer within ${timeoutMs / 1000}s` }),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([
      check.run(deps).catch((error: unknown): CheckOutcome => ({
        status: 'warning',
        detail: `check failed: ${error instanceof Error ? error.message : String(error)}`,
      })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const PROFILE_FIX =
  'Fix the profile named with -p (`omrs profile validate <profile>` shows every problem), or leave -p out.';

function describeProfileError(error: unknown): { code: ErrorCode; message: string } {
  const failure = error as { code?: unknown; message?: unknown };
  const message = typeof failure.message === 'string' ? failure.message : String(error);
  return {
    code: isOmrsError(error) ? error.code : 'PROFILE_INVALID',
    // Printed in the report, where no error renderer passes over it.
    message: printable(maskCredentials(message)),
  };
}
