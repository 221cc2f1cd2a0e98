// AWS for a promotion: the pre-promotion RDS snapshot, its restore, and the infrastructure
// fingerprint in SSM. Credentials come from the default chain (never printed); OMRS_AWS_ENDPOINT
// points every client at an emulator (the tests use moto_server on 127.0.0.1).
import { setTimeout as sleep } from 'node:timers/promises';
import { ExitCode, InterruptedError, OmrsError } from '../errors.js';
import { maskCredentials, scrub } from '../mask.js';
import type { Profile } from '../profile/schema.js';

export type Env = Record<string, string | undefined>;

export interface AwsTarget {
  region: string;
  endpoint?: string;
  env: Env;
}

export function awsTarget(profile: Profile, env: Env): AwsTarget {
  const region = profile.cluster.eks?.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  return { region, env, ...(env.OMRS_AWS_ENDPOINT && { endpoint: env.OMRS_AWS_ENDPOINT }) };
}

/** The RDS instance Terraform creates for a profile (terraform/envs/prod: "<cluster_name>-openmrs"). */
export const rdsInstanceId = (profile: Profile): string | undefined =>
  profile.cluster.eks ? `${profile.cluster.eks.clusterName}-openmrs` : undefined;

function clientConfig(t: AwsTarget) {
  // The environment part of the default chain is read from the injected env (tests run the CLI
  // in-process); everything else (profiles, SSO, IMDS, web identity) is the SDK's own chain.
  const credentials =
    t.env.AWS_ACCESS_KEY_ID && t.env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: t.env.AWS_ACCESS_KEY_ID,
          secretAccessKey: t.env.AWS_SECRET_ACCESS_KEY,
          ...(t.env.AWS_SESSION_TOKEN && { sessionToken: t.env.AWS_SESSION_TOKEN }),
        }
      : undefined;
  return {
    region: t.region,
    maxAttempts: 2,
    ...(t.endpoint && { endpoint: t.endpoint }),
    ...(credentials && { credentials }),
  };
}

function awsError(error: unknown, what: string, t: AwsTarget): OmrsError {
  if (error instanceof OmrsError) return error;
  const e = error as { name?: string; message?: string; code?: string; cause?: { code?: string } };
  // An SDK or emulator message may quote the endpoint (with credentials in its URL) or a key.
  const secrets = [t.env.AWS_SECRET_ACCESS_KEY, t.env.AWS_SESSION_TOKEN].filter((s): s is string => !!s);
  const text = maskCredentials(scrub(`${e.name ?? 'Error'}: ${e.message ?? String(error)}`, secrets));
  const network = /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|socket hang up/i.test(
    `${text} ${e.code ?? ''} ${e.cause?.code ?? ''}`,
  );
  const creds = /credential/i.test(text);
  return new OmrsError({
    code: network ? 'AWS_UNREACHABLE' : creds ? 'AWS_CREDENTIALS' : 'AWS_FAILED',
    message: `${what}: ${network ? `cannot reach AWS${t.endpoint ? ` at ${maskCredentials(t.endpoint)}` : ''} (${text})` : text}`,
    exitCode: network || creds ? ExitCode.prerequisite : ExitCode.failed,
    hint: creds
      ? 'Provide AWS credentials through the default chain (AWS_PROFILE, SSO, environment variables).'
      : network
        ? 'Check the network path to AWS (or OMRS_AWS_ENDPOINT).'
        : undefined,
    cause: error,
  });
}

async function rds(t: AwsTarget) {
  const lib = await import('@aws-sdk/client-rds');
  return { lib, client: new lib.RDSClient(clientConfig(t)) };
}

export interface SnapshotResult {
  snapshotId: string;
  instanceId: string;
  status: string;
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  onPoll?: (status: string) => void;
}

/**
 * Polls with a growing interval (0.5 s → 10 s) until `done` says so or the time is up. The pause
 * between reads ends at once when the signal aborts: Ctrl-C must not wait out a 10 s interval.
 */
export async function pollUntil<T>(
  what: string,
  read: () => Promise<T>,
  done: (v: T) => boolean,
  o: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + o.timeoutMs;
  let delay = 500;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() + delay > deadline)
      throw new OmrsError({
        code: 'PROMOTE_TIMEOUT',
        message: `${what} did not finish within ${Math.round(o.timeoutMs / 1000)} s`,
        exitCode: ExitCode.failed,
      });
    if (o.signal?.aborted) throw new InterruptedError(what);
    await sleep(delay, undefined, o.signal ? { signal: o.signal } : {}).catch(() => {
      throw new InterruptedError(what);
    });
    delay = Math.min(delay * 2, 10_000);
  }
}

export async function createSnapshot(
  t: AwsTarget,
  instanceId: string,
  snapshotId: string,
  wait: WaitOptions,
): Promise<SnapshotResult> {
  const { lib, client } = await rds(t);
  try {
    await client
      .send(
        new lib.CreateDBSnapshotCommand({
          DBInstanceIdentifier: instanceId,
          DBSnapshotIdentifier: snapshotId,
          Tags: [{ Key: 'omrs.dev/purpose', Value: 'pre-promotion' }],
        }),
      )
      .catch(async (error: unknown) => {
        // A run killed after asking for this snapshot, run again within the same second (the name's
        // resolution): the snapshot of this instance is there, taken before anything was deployed.
        if ((error as { name?: string }).name !== 'DBSnapshotAlreadyExistsFault') throw error;
        const existing = (
          await client.send(new lib.DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshotId }))
        ).DBSnapshots?.[0];
        if (existing?.DBInstanceIdentifier !== instanceId) throw error;
      });
    const snap = await pollUntil(
      `snapshot ${snapshotId}`,
      async () =>
        (await client.send(new lib.DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshotId })))
          .DBSnapshots?.[0],
      (s) => {
        wait.onPoll?.(s?.Status ?? 'unknown');
        if (s?.Status === 'failed')
          throw new OmrsError({
            code: 'PROMOTE_SNAPSHOT_FAILED',
            message: `snapshot ${snapshotId} failed`,
            exitCode: ExitCode.failed,
          });
        return s?.Status === 'available';
      },
      wait,
    );
    return { snapshotId, instanceId, status: snap?.Status ?? 'available' };
  } catch (error) {
    const e = awsError(error, `RDS snapshot of ${instanceId}`, t);
    if (/DBInstanceNotFound/.test(e.message))
      throw new OmrsError({
        code: 'PROMOTE_DB_NOT_FOUND',
        message: e.message,
        exitCode: ExitCode.failed,
        hint: `The profile's RDS instance is ${instanceId} (cluster.eks.clusterName + "-openmrs"): check the profile and the region ${t.region}.`,
        cause: error,
      });
    throw e;
  } finally {
    client.destroy();
  }
}

/** RestoreDBInstanceFromDBSnapshot into a NEW instance (RDS never restores in place). */
export async function restoreSnapshot(
  t: AwsTarget,
  snapshotId: string,
  newInstanceId: string,
  wait: WaitOptions,
): Promise<{ instanceId: string; status: string }> {
  const { lib, client } = await rds(t);
  try {
    await client.send(
      new lib.RestoreDBInstanceFromDBSnapshotCommand({
        DBSnapshotIdentifier: snapshotId,
        DBInstanceIdentifier: newInstanceId,
      }),
    );
    const db = await pollUntil(
      `restore of ${snapshotId}`,
      async () =>
        (await client.send(new lib.DescribeDBInstancesCommand({ DBInstanceIdentifier: newInstanceId })))
          .DBInstances?.[0],
      (d) => {
        wait.onPoll?.(d?.DBInstanceStatus ?? 'unknown');
        return d?.DBInstanceStatus === 'available';
      },
      wait,
    );
    return { instanceId: newInstanceId, status: db?.DBInstanceStatus ?? 'available' };
  } catch (error) {
    throw awsError(error, `restore snapshot ${snapshotId}`, t);
  } finally {
    client.destroy();
  }
}

export const fingerprintParameter = (profile: string): string => `/omrs/${profile}/infra-fingerprint`;

export async function readFingerprint(t: AwsTarget, profile: string): Promise<string | undefined> {
  const lib = await import('@aws-sdk/client-ssm');
  const client = new lib.SSMClient(clientConfig(t));
  try {
    const out = await client.send(new lib.GetParameterCommand({ Name: fingerprintParameter(profile) }));
    return out.Parameter?.Value;
  } catch (error) {
    if ((error as { name?: string }).name === 'ParameterNotFound') return undefined;
    throw awsError(error, `read SSM parameter ${fingerprintParameter(profile)}`, t);
  } finally {
    client.destroy();
  }
}

export async function writeFingerprint(t: AwsTarget, profile: string, value: string): Promise<void> {
  const lib = await import('@aws-sdk/client-ssm');
  const client = new lib.SSMClient(clientConfig(t));
  try {
    await client.send(
      new lib.PutParameterCommand({
        Name: fingerprintParameter(profile),
        Value: value,
        Type: 'String',
        Overwrite: true,
      }),
    );
  } catch (error) {
    throw awsError(error, `write SSM parameter ${fingerprintParameter(profile)}`, t);
  } finally {
    client.destroy();
  }
}
