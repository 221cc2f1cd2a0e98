import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isOmrsError } from '../../../src/errors.js';
import { loadProfile } from '../../../src/profile/load.js';
import type { Profile } from '../../../src/profile/schema.js';
import { backendConfigArgs, profileToTfvars } from '../../../src/promote/tfvars.js';

const root = join(import.meta.dirname, '../../..');
const load = (name: string): Profile =>
  loadProfile(name, {
    config: { profilesDir: join(root, 'profiles'), defaultProfile: 'dev' },
    env: {},
    cwd: root,
  }).profile;

/** Variable names declared in a Terraform root (a regex is enough for our own, formatted files). */
function declaredVariables(dir: string): string[] {
  const text = readFileSync(join(root, dir, 'variables.tf'), 'utf8');
  return [...text.matchAll(/^variable\s+"([^"]+)"/gm)].map((m) => m[1]!).sort();
}

/** Leaf paths of an object (arrays are leaves). */
const leaves = (value: unknown, path = ''): string[] =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? Object.entries(value).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k))
    : [path];

const prod = load('prod');
const roots = ['terraform/envs/prod', 'terraform/envs/qa'].filter((dir) =>
  existsSync(join(root, dir, 'variables.tf')),
);

describe('profileToTfvars', () => {
  it.each(roots)('produces exactly the variables of %s', (dir) => {
    expect(Object.keys(profileToTfvars(prod)).sort()).toEqual(declaredVariables(dir));
  });

  it('covers every key under cluster.eks, one variable each, plus the two identity tags and the ClusterIssuer', () => {
    const eksLeaves = leaves(prod.cluster.eks);
    expect(eksLeaves.length).toBeGreaterThan(10);
    expect(Object.keys(profileToTfvars(prod))).toHaveLength(eksLeaves.length + 3);
  });

  it('maps the prod profile', () => {
    expect(profileToTfvars(prod, { profile: 'prod', env: 'prod' })).toEqual({
      omrs_env: 'prod',
      omrs_profile: 'prod',
      region: 'eu-west-1',
      account_id: '111122223333',
      cluster_name: 'openmrs-prod',
      cluster_version: '1.32',
      endpoint_public_access: false,
      public_access_cidrs: [],
      node_instance_type: 'm6i.large',
      node_min: 3,
      node_max: 6,
      rds_instance_class: 'db.m6g.large',
      rds_allocated_storage_gb: 100,
      rds_multi_az: true,
      rds_backup_retention_days: 14,
      rds_deletion_protection: true,
      rds_read_replica: false,
      cluster_issuer: 'letsencrypt',
      acme_email: 'ops@example.org',
      state_bucket: 'omrs-prod-terraform-state',
      lock_table: 'omrs-prod-terraform-lock',
    });
  });

  it('defaults the identity to the checks level and the cluster name', () => {
    const vars = profileToTfvars(prod);
    expect([vars.omrs_profile, vars.omrs_env]).toEqual(['prod', 'openmrs-prod']);
  });

  it('is pure: it does not share arrays with the profile', () => {
    const vars = profileToTfvars(prod);
    (vars.public_access_cidrs as string[]).push('10.0.0.0/8');
    expect(prod.cluster.eks?.publicAccessCidrs).toEqual([]);
  });

  it('writes JSON that terraform.tfvars.json accepts (plain values only)', () => {
    const vars = profileToTfvars(prod);
    expect(JSON.parse(JSON.stringify(vars))).toEqual(vars);
  });

  it('refuses a profile without cluster.eks, with a hint', () => {
    const dev = load('dev');
    expect(dev.cluster.eks).toBeUndefined();
    let caught: unknown;
    try {
      profileToTfvars(dev);
    } catch (error) {
      caught = error;
    }
    expect(isOmrsError(caught) && [caught.code, caught.exitCode]).toEqual(['PROMOTE_NO_EKS', 2]);
    expect(isOmrsError(caught) && caught.hint).toMatch(/cluster\.eks/);
  });
});

describe('backendConfigArgs', () => {
  it('points the partial s3 backend at the profile state bucket and lock table', () => {
    expect(backendConfigArgs(prod, { env: 'prod' })).toEqual([
      '-backend-config=bucket=omrs-prod-terraform-state',
      '-backend-config=key=omrs/prod/terraform.tfstate',
      '-backend-config=region=eu-west-1',
      '-backend-config=dynamodb_table=omrs-prod-terraform-lock',
      '-backend-config=encrypt=true',
    ]);
  });

  it('matches the backend block of every root', () => {
    for (const dir of roots)
      expect(readFileSync(join(root, dir, 'backend.tf'), 'utf8')).toMatch(/backend\s+"s3"\s*\{/);
  });
});
