// Smoke test of the harness AWS emulator (test/harness/engines/aws.sh, moto server on 127.0.0.1):
// an S3 bucket, an RDS DB instance and a DB snapshot.
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateDBSnapshotCommand,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { afterAll, describe, expect, it } from 'vitest';
import { requireEngine } from '../../helpers/engines.js';
import { createTestInstance } from '../../helpers/rds.js';

const aws = requireEngine('aws');
const id = `omrs-smoke-${process.pid}-${Date.now().toString(36)}`;

describe.skipIf(!aws)('harness aws engine (moto)', () => {
  const config = {
    endpoint: aws?.endpoint,
    region: aws?.region,
    credentials: { accessKeyId: aws?.accessKeyId ?? '', secretAccessKey: aws?.secretAccessKey ?? '' },
  };
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const rds = new RDSClient(config);
  const cleanup: (() => Promise<unknown>)[] = [];

  afterAll(async () => {
    for (const f of cleanup.reverse()) await f().catch(() => undefined);
    s3.destroy();
    rds.destroy();
  });

  it('points at 127.0.0.1 only', () => {
    expect(new URL(aws!.endpoint).hostname).toBe('127.0.0.1');
  });

  it('creates an S3 bucket and stores an object', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: id }));
    cleanup.push(() => s3.send(new DeleteBucketCommand({ Bucket: id })));
    const { Buckets } = await s3.send(new ListBucketsCommand({}));
    expect(Buckets?.map((b) => b.Name)).toContain(id);
    await s3.send(new PutObjectCommand({ Bucket: id, Key: 'backup/openmrs.sql', Body: 'SELECT 1;' }));
    cleanup.push(() => s3.send(new DeleteObjectCommand({ Bucket: id, Key: 'backup/openmrs.sql' })));
    const got = await s3.send(new GetObjectCommand({ Bucket: id, Key: 'backup/openmrs.sql' }));
    expect(await got.Body?.transformToString()).toBe('SELECT 1;');
    await expect(s3.send(new GetObjectCommand({ Bucket: id, Key: 'missing' }))).rejects.toThrow(
      /NoSuchKey|does not exist/,
    );
  });

  it('creates an RDS MariaDB instance and a DB snapshot of it', async () => {
    const created = await createTestInstance(rds, id);
    cleanup.push(() =>
      rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id, SkipFinalSnapshot: true })),
    );
    expect(created.DBInstance?.Engine).toBe('mariadb');
    const described = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
    expect(described.DBInstances?.[0]?.DBInstanceStatus).toBe('available');
    expect(described.DBInstances?.[0]?.Endpoint?.Port).toBe(3306);

    const snap = await rds.send(
      new CreateDBSnapshotCommand({ DBInstanceIdentifier: id, DBSnapshotIdentifier: `${id}-snap` }),
    );
    cleanup.push(() => rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: `${id}-snap` })));
    expect(snap.DBSnapshot?.DBInstanceIdentifier).toBe(id);
    const snaps = await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: id }));
    expect(snaps.DBSnapshots?.map((s) => s.DBSnapshotIdentifier)).toContain(`${id}-snap`);
    await expect(
      rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: `${id}-missing` })),
    ).rejects.toThrow(/not found/i);
  });
});
