// The profile -> Terraform mapping for `omrs promote`: the env keys under cluster.eks become the
// variables of terraform/envs/<env>/variables.tf (written as terraform.tfvars.json), and the state
// location becomes the `-backend-config` arguments of `terraform init`. Pure: no I/O.
import { ExitCode, OmrsError } from '../errors.js';
import type { Profile } from '../profile/schema.js';

type Eks = NonNullable<Profile['cluster']['eks']>;

export interface TfIdentity {
  /** Name of the profile, tagged on every AWS resource as omrs.dev/profile. Default: the profile's checks level (prod, qa, dev). */
  profile?: string;
  /** Name of the environment, tagged as omrs.dev/env and part of the state key. Default: the EKS cluster name. */
  env?: string;
}

function eksOf(profile: Profile): Eks {
  const eks = profile.cluster.eks;
  if (!eks)
    throw new OmrsError({
      code: 'PROMOTE_NO_EKS',
      message: 'the profile has no cluster.eks section, so there is nothing for Terraform to build',
      hint: 'Add cluster.eks (region, accountId, clusterName, stateBucket, lockTable) to the profile, as profiles/prod.yaml does.',
      exitCode: ExitCode.usage,
    });
  return eks;
}

const envName = (profile: Profile, id: TfIdentity): string => id.env ?? eksOf(profile).clusterName;

/**
 * The contents of terraform.tfvars.json. Its keys are exactly the variables declared in
 * terraform/envs/prod/variables.tf (test/unit/promote/tfvars.test.ts keeps them in step).
 */
export function profileToTfvars(profile: Profile, id: TfIdentity = {}): Record<string, unknown> {
  const eks = eksOf(profile);
  return {
    omrs_env: envName(profile, id),
    omrs_profile: id.profile ?? profile.checks.level,
    region: eks.region,
    account_id: eks.accountId,
    cluster_name: eks.clusterName,
    cluster_version: eks.version,
    endpoint_public_access: eks.endpointPublicAccess,
    public_access_cidrs: [...eks.publicAccessCidrs],
    node_instance_type: eks.nodes.instanceType,
    node_min: eks.nodes.min,
    node_max: eks.nodes.max,
    rds_instance_class: eks.rds.instanceClass,
    rds_allocated_storage_gb: eks.rds.allocatedStorageGb,
    rds_multi_az: eks.rds.multiAz,
    rds_backup_retention_days: eks.rds.backupRetentionDays,
    rds_deletion_protection: eks.rds.deletionProtection,
    rds_read_replica: eks.rds.readReplica,
    cluster_issuer: profile.ingress.tls.clusterIssuer ?? '',
    acme_email: eks.addons.acmeEmail ?? '',
    state_bucket: eks.stateBucket,
    lock_table: eks.lockTable,
  };
}

/** The object key of an environment's state in the state bucket. */
export const stateKey = (env: string): string => `omrs/${env}/terraform.tfstate`;

/** `terraform init` arguments that point the partial "s3" backend at the profile's bucket and lock table. */
export function backendConfigArgs(profile: Profile, id: TfIdentity = {}): string[] {
  const eks = eksOf(profile);
  const config: Record<string, string> = {
    bucket: eks.stateBucket,
    key: stateKey(envName(profile, id)),
    region: eks.region,
    dynamodb_table: eks.lockTable,
    encrypt: 'true',
  };
  return Object.entries(config).map(([k, v]) => `-backend-config=${k}=${v}`);
}
