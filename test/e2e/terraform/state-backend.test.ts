// The partial "s3" backend of terraform/envs/prod, initialised with the -backend-config arguments
// omrs derives from a profile, against the AWS emulator: state lands under omrs/<env>/ in the
// bucket, and a held lock in the DynamoDB table stops a second apply. The S3 backend is built
// into terraform, so this needs no provider download (the probe root uses terraform_data only).
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEngine } from '../../helpers/engines.js';
import { loadProfile } from '../../../src/profile/load.js';
import type { Profile } from '../../../src/profile/schema.js';
import { backendConfigArgs, stateKey } from '../../../src/promote/tfvars.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../../..');
const aws = requireEngine('aws');
const terraform = requireEngine('terraform')?.terraform;
const suffix = `${process.pid}-${Date.now().toString(36)}`;
const bucket = `omrs-tfstate-${suffix}`;
const table = `omrs-tflock-${suffix}`;
const envName = 'e2e';

/** DynamoDB's JSON protocol, enough for the emulator (the SDK's DynamoDB client is not a dependency). */
async function dynamo(action: string, body: unknown): Promise<unknown> {
  const res = await fetch(aws!.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDB_20120810.${action}`,
      authorization: `AWS4-HMAC-SHA256 Credential=${aws!.accessKeyId}/20260101/${aws!.region}/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`DynamoDB ${action}: ${res.status} ${text}`);
  return JSON.parse(text) as unknown;
}

describe.skipIf(!aws || !terraform)('terraform s3 backend from the profile (AWS emulator)', () => {
  const s3 = new S3Client({
    endpoint: aws?.endpoint,
    region: aws?.region,
    forcePathStyle: true,
    credentials: { accessKeyId: aws?.accessKeyId ?? '', secretAccessKey: aws?.secretAccessKey ?? '' },
  });
  const dir = mkdtempSync(join(tmpdir(), 'omrs-tfbackend-'));
  let profile: Profile;

  const tf = (args: string[]) =>
    run(terraform!, args, {
      cwd: dir,
      env: {
        ...process.env,
        TF_CLI_CONFIG_FILE: '/dev/null',
        TF_IN_AUTOMATION: '1',
        TF_INPUT: '0',
        CHECKPOINT_DISABLE: '1',
      },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, out: stdout + stderr }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({
        code: e.code ?? 1,
        out: `${e.stdout ?? ''}${e.stderr ?? ''}`,
      }),
    );

  beforeAll(async () => {
    const prod = loadProfile('prod', {
      config: { profilesDir: join(root, 'profiles'), defaultProfile: 'dev' },
      env: {},
      cwd: root,
    }).profile;
    const eks = prod.cluster.eks!;
    profile = {
      ...prod,
      cluster: {
        ...prod.cluster,
        eks: { ...eks, region: aws!.region, stateBucket: bucket, lockTable: table },
      },
    };

    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await dynamo('CreateTable', {
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'LockID', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'LockID', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    });

    copyFileSync(join(root, 'terraform/envs/prod/backend.tf'), join(dir, 'backend.tf'));
    writeFileSync(join(dir, 'main.tf'), 'resource "terraform_data" "probe" {\n  input = "omrs"\n}\n');
    // Only what points the backend at the emulator; bucket, key, region, table and encrypt come from the profile.
    writeFileSync(
      join(dir, 'emulator.s3.tfbackend'),
      [
        `endpoints = { s3 = "${aws!.endpoint}", dynamodb = "${aws!.endpoint}" }`,
        'use_path_style = true',
        'skip_credentials_validation = true',
        'skip_requesting_account_id = true',
        'skip_metadata_api_check = true',
        `access_key = "${aws!.accessKeyId}"`,
        `secret_key = "${aws!.secretAccessKey}"`,
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: stateKey(envName) })).catch(() => undefined);
    await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
    await dynamo('DeleteTable', { TableName: table }).catch(() => undefined);
    s3.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('init + apply write encrypted state under omrs/<env>/ in the profile bucket', async () => {
    const init = await tf([
      'init',
      '-input=false',
      '-backend-config=emulator.s3.tfbackend',
      ...backendConfigArgs(profile, { env: envName }),
    ]);
    expect(init.code, init.out).toBe(0);
    const apply = await tf(['apply', '-auto-approve', '-input=false', '-lock-timeout=10s']);
    expect(apply.code, apply.out).toBe(0);

    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: stateKey(envName) }));
    expect(head.ServerSideEncryption).toBeDefined();
    const state = JSON.parse(
      await (
        await s3.send(new GetObjectCommand({ Bucket: bucket, Key: stateKey(envName) }))
      ).Body!.transformToString(),
    ) as {
      resources: { type: string }[];
    };
    expect(state.resources.map((r) => r.type)).toEqual(['terraform_data']);
  });

  it('a lock held in the profile lock table stops a second apply, naming the holder', async () => {
    const lockId = `${bucket}/${stateKey(envName)}`;
    const info = {
      ID: 'omrs-e2e-held-lock',
      Operation: 'OperationTypeApply',
      Who: 'another-release-manager@ci',
      Version: '1.11.4',
      Created: new Date().toISOString(),
      Path: lockId,
      Info: '',
    };
    await dynamo('PutItem', {
      TableName: table,
      Item: { LockID: { S: lockId }, Info: { S: JSON.stringify(info) } },
    });
    try {
      const apply = await tf(['apply', '-auto-approve', '-input=false', '-lock-timeout=2s']);
      expect(apply.code).not.toBe(0);
      expect(apply.out).toMatch(/Error acquiring the state lock/);
      expect(apply.out).toContain('another-release-manager@ci');
    } finally {
      await dynamo('DeleteItem', { TableName: table, Key: { LockID: { S: lockId } } });
    }
    const again = await tf(['apply', '-auto-approve', '-input=false', '-lock-timeout=10s']);
    expect(again.code, again.out).toBe(0);
  });
});
