// The pre-promotion RDS snapshot when promote runs again right after a kill (found by the interrupt
// matrix: a kill -9 at deploy and the next promote in the same second asked for the same snapshot
// name and failed on DBSnapshotAlreadyExists). Against the AWS emulator (moto_server).
import { randomBytes } from 'node:crypto';
import { DeleteDBInstanceCommand, DeleteDBSnapshotCommand, RDSClient } from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSnapshot, type AwsTarget } from '../../../src/promote/aws.js';
import { requireEngine } from '../../helpers/engines.js';
import { createTestInstance } from '../../helpers/rds.js';

const aws = requireEngine('aws');
const REGION = 'us-east-1';

describe.skipIf(!aws)('pre-promotion snapshot, run again (AWS emulator)', () => {
  const id = `omrs-rerun-${randomBytes(3).toString('hex')}`;
  const other = `${id}-other`;
  const snapshot = `omrs-${id}-20261205-071914`;
  let rds: RDSClient;
  let target: AwsTarget;

  beforeAll(async () => {
    rds = new RDSClient({
      region: REGION,
      endpoint: aws!.endpoint,
      credentials: { accessKeyId: aws!.accessKeyId, secretAccessKey: aws!.secretAccessKey },
    });
    target = {
      region: REGION,
      endpoint: aws!.endpoint,
      env: { AWS_ACCESS_KEY_ID: aws!.accessKeyId, AWS_SECRET_ACCESS_KEY: aws!.secretAccessKey },
    };
    for (const instance of [id, other]) await createTestInstance(rds, instance);
  });

  afterAll(async () => {
    await rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: snapshot })).catch(() => undefined);
    for (const instance of [id, other])
      await rds
        .send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: instance, SkipFinalSnapshot: true }))
        .catch(() => undefined);
    rds.destroy();
  });

  it('takes the snapshot, then takes it over when the same name of the same instance is asked again', async () => {
    const first = await createSnapshot(target, id, snapshot, { timeoutMs: 30_000 });
    expect(first).toMatchObject({ snapshotId: snapshot, instanceId: id, status: 'available' });
    const again = await createSnapshot(target, id, snapshot, { timeoutMs: 30_000 });
    expect(again).toMatchObject({ snapshotId: snapshot, instanceId: id, status: 'available' });
  });

  it('refuses the name when it holds a snapshot of another instance', async () => {
    await expect(createSnapshot(target, other, snapshot, { timeoutMs: 30_000 })).rejects.toMatchObject({
      code: 'AWS_FAILED',
      message: expect.stringMatching(/DBSnapshotAlreadyExists/),
    });
  });
});
