// Terraform rules (AWS: RDS, EKS, S3 state bucket, DynamoDB lock table).
import type { Hit, Rule, TerraformContext } from '../types.js';
import { tfBool, tfNumber, type TfResource } from '../sources/terraform.js';
import { arr, isRecord, rec, str } from '../../render/json.js';

type R = Rule<TerraformContext>;

const of = (ctx: TerraformContext, ...types: string[]): TfResource[] =>
  ctx.model.resources.filter((r) => types.includes(r.type));
const hit = (r: TfResource, message: string): Hit => ({
  resource: r.address,
  message,
  file: r.file,
  ...(r.line !== undefined && { line: r.line }),
});
const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
/** A finding unless the attribute is `want`; unresolved expressions are findings that say so. */
function expectBool(
  r: TfResource,
  attr: string,
  want: boolean,
  missing: 'fail' | 'pass',
  what: string,
): Hit[] {
  const v = tfBool(r.body[attr]);
  if (v === want) return [];
  if (v === undefined) return missing === 'pass' ? [] : [hit(r, `${attr} is not set (${what})`)];
  if (v === 'unknown')
    return [hit(r, `${attr} = ${show(r.body[attr])} cannot be resolved statically (${what})`)];
  return [hit(r, `${attr} = ${String(v)} (${what})`)];
}

const refersTo = (value: unknown, bucket: TfResource): boolean => {
  const s = show(value);
  return (
    s.includes(`aws_s3_bucket.${bucket.name}.`) ||
    (typeof bucket.body.bucket === 'string' && s === bucket.body.bucket)
  );
};
const companion = (ctx: TerraformContext, type: string, bucket: TfResource): TfResource[] =>
  of(ctx, type).filter((r) => refersTo(r.body.bucket, bucket));

const RDS = ['aws_db_instance', 'aws_rds_cluster'];
/** Read replicas take backups and availability from their source instance. */
const isReplica = (r: TfResource): boolean => r.body.replicate_source_db !== undefined;
const EKS_LOGS = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'];
/** A chart by name, whether from a repository (`chart = "traefik"`) or a path (`.../charts/traefik`). */
const helmCharts = (ctx: TerraformContext, names: string[]): TfResource[] =>
  of(ctx, 'helm_release').filter((r) => {
    const chart = str(r.body.chart) ?? '';
    return names.some((n) => chart === n || chart.endsWith(`/${n}`));
  });
/** One finding per EKS cluster when `present` is false: what the chart will miss there. */
const perCluster = (ctx: TerraformContext, present: boolean, message: string): Hit[] =>
  present ? [] : of(ctx, 'aws_eks_cluster').map((c) => hit(c, message));
const INGRESS_CHARTS = ['traefik', 'ingress-nginx', 'aws-load-balancer-controller', 'haproxy-ingress'];

export const terraformRules: R[] = [
  {
    id: 'OMRS-TF-001',
    title: 'RDS storage encrypted',
    severity: 'critical',
    scope: 'terraform',
    levels: ['qa', 'prod'],
    why: 'Patient records at rest must be encrypted (OpenMRS production guidance).',
    fix: 'Set storage_encrypted = true (with a kms_key_id for a customer key).',
    refs: { checkov: ['CKV_AWS_16', 'CKV_AWS_96'], trivy: ['AVD-AWS-0080', 'AVD-AWS-0079'] },
    check: (ctx) =>
      of(ctx, ...RDS)
        .filter((r) => (r.type === 'aws_db_instance' ? !str(r.body.replicate_source_db) : true))
        .flatMap((r) => expectBool(r, 'storage_encrypted', true, 'fail', 'unencrypted by default')),
  },
  {
    id: 'OMRS-TF-002',
    title: 'RDS backups kept at least 7 days',
    severity: 'high',
    scope: 'terraform',
    levels: ['prod'],
    why: 'A problem noticed after a weekend must still be restorable; blue/green needs automated backups.',
    fix: 'Set backup_retention_period = 7 or more (the prod profile uses 14).',
    refs: { checkov: ['CKV_AWS_133'], trivy: ['AVD-AWS-0077'] },
    check: (ctx) =>
      of(ctx, ...RDS)
        .filter((r) => !isReplica(r))
        .flatMap((r) => {
          const v = tfNumber(r.body.backup_retention_period);
          if (v === 'unknown')
            return [
              hit(
                r,
                `backup_retention_period = ${show(r.body.backup_retention_period)} cannot be resolved statically`,
              ),
            ];
          return (v ?? 1) < 7 ? [hit(r, `backup_retention_period is ${v ?? 'unset (default 1)'}`)] : [];
        }),
  },
  {
    id: 'OMRS-TF-003',
    title: 'RDS deletion protection',
    severity: 'high',
    scope: 'terraform',
    levels: ['prod'],
    why: 'One mistaken `terraform destroy` or rename must not delete the production database.',
    fix: 'Set deletion_protection = true.',
    refs: { checkov: ['CKV_AWS_293', 'CKV_AWS_139'], trivy: ['AVD-AWS-0177', 'AVD-AWS-0343'] },
    check: (ctx) =>
      of(ctx, ...RDS).flatMap((r) => expectBool(r, 'deletion_protection', true, 'fail', 'default false')),
  },
  {
    id: 'OMRS-TF-004',
    title: 'RDS final snapshot on delete',
    severity: 'high',
    scope: 'terraform',
    levels: ['prod'],
    why: 'skip_final_snapshot = true (as openmrs-contrib-cluster ships) deletes the data with the instance.',
    fix: 'Set skip_final_snapshot = false and a final_snapshot_identifier.',
    refs: {},
    check: (ctx) =>
      of(ctx, ...RDS).flatMap((r) =>
        expectBool(r, 'skip_final_snapshot', false, 'pass', 'the data is lost with the instance'),
      ),
  },
  {
    id: 'OMRS-TF-005',
    title: 'RDS Multi-AZ',
    severity: 'medium',
    scope: 'terraform',
    levels: ['prod'],
    why: 'A single-AZ database is down for the whole length of an AZ outage or a maintenance reboot.',
    fix: 'Set multi_az = true (eks.rds.multiAz in the profile).',
    refs: { checkov: ['CKV_AWS_157'] },
    check: (ctx) =>
      of(ctx, 'aws_db_instance')
        .filter((r) => !isReplica(r))
        .flatMap((r) => expectBool(r, 'multi_az', true, 'fail', 'single AZ')),
  },
  {
    id: 'OMRS-TF-006',
    title: 'RDS not publicly accessible',
    severity: 'critical',
    scope: 'terraform',
    levels: ['dev', 'qa', 'prod'],
    why: 'A public database endpoint invites password guessing against patient data.',
    fix: 'Set publicly_accessible = false and reach the database from the VPC only.',
    refs: { checkov: ['CKV_AWS_17'], trivy: ['AVD-AWS-0180'] },
    check: (ctx) =>
      of(ctx, 'aws_db_instance', 'aws_rds_cluster_instance').flatMap((r) =>
        expectBool(r, 'publicly_accessible', false, 'pass', 'reachable from the internet'),
      ),
  },
  {
    id: 'OMRS-TF-007',
    title: 'EKS API endpoint private or restricted',
    severity: 'critical',
    scope: 'terraform',
    levels: ['qa', 'prod'],
    why: 'An API server open to 0.0.0.0/0 is one leaked token away from the cluster.',
    fix: 'Set vpc_config.endpoint_public_access = false, or public_access_cidrs to your office/VPN ranges.',
    refs: { checkov: ['CKV_AWS_38', 'CKV_AWS_39'], trivy: ['AVD-AWS-0040', 'AVD-AWS-0041'] },
    check: (ctx) =>
      of(ctx, 'aws_eks_cluster').flatMap((r) => {
        const vpc = rec(arr(r.body.vpc_config)[0]);
        const pub = tfBool(vpc.endpoint_public_access);
        if (pub === false) return [];
        if (pub === 'unknown')
          return [
            hit(
              r,
              `vpc_config.endpoint_public_access = ${show(vpc.endpoint_public_access)} cannot be resolved statically`,
            ),
          ];
        const cidrs = vpc.public_access_cidrs;
        if (cidrs === undefined)
          return [hit(r, 'public endpoint open to 0.0.0.0/0 (public_access_cidrs unset)')];
        if (!Array.isArray(cidrs))
          return [hit(r, `public_access_cidrs = ${show(cidrs)} cannot be resolved statically`)];
        return cidrs.some((c) => c === '0.0.0.0/0' || c === '::/0')
          ? [hit(r, 'public endpoint open to 0.0.0.0/0')]
          : [];
      }),
  },
  {
    id: 'OMRS-TF-008',
    title: 'EKS secrets encryption',
    severity: 'high',
    scope: 'terraform',
    levels: ['prod'],
    why: 'Without envelope encryption Kubernetes Secrets (database passwords) sit in etcd unencrypted by your key.',
    fix: 'Add encryption_config { resources = ["secrets"] provider { key_arn = aws_kms_key.eks.arn } }.',
    refs: { checkov: ['CKV_AWS_58'], trivy: ['AVD-AWS-0039'], kubescape: ['C-0066'] },
    check: (ctx) =>
      of(ctx, 'aws_eks_cluster').flatMap((r) => {
        const enc = arr(r.body.encryption_config).filter(isRecord);
        return enc.some((e) => arr(e.resources).includes('secrets'))
          ? []
          : [hit(r, 'no encryption_config for secrets')];
      }),
  },
  {
    id: 'OMRS-TF-009',
    title: 'EKS control-plane logs',
    severity: 'medium',
    scope: 'terraform',
    levels: ['prod'],
    why: 'Audit and authenticator logs are how you find out who did what to production.',
    fix: `Set enabled_cluster_log_types = ${JSON.stringify(EKS_LOGS)}.`,
    refs: { checkov: ['CKV_AWS_37'], trivy: ['AVD-AWS-0038'], kubescape: ['C-0067'] },
    check: (ctx) =>
      of(ctx, 'aws_eks_cluster').flatMap((r) => {
        const v = r.body.enabled_cluster_log_types;
        if (v !== undefined && !Array.isArray(v))
          return [hit(r, `enabled_cluster_log_types = ${show(v)} cannot be resolved statically`)];
        const missing = EKS_LOGS.filter((t) => !arr(v).includes(t));
        return missing.length ? [hit(r, `log types not enabled: ${missing.join(', ')}`)] : [];
      }),
  },
  {
    id: 'OMRS-TF-010',
    title: 'EKS node groups without open SSH',
    severity: 'high',
    scope: 'terraform',
    levels: ['qa', 'prod'],
    why: 'remote_access without source security groups opens SSH on every node to the internet.',
    fix: 'Remove remote_access, or set source_security_group_ids.',
    refs: { checkov: ['CKV_AWS_100'] },
    check: (ctx) =>
      of(ctx, 'aws_eks_node_group').flatMap((r) =>
        arr(r.body.remote_access)
          .filter(isRecord)
          .filter((ra) => ra.source_security_group_ids === undefined)
          .map(() => hit(r, 'remote_access without source_security_group_ids')),
      ),
  },
  {
    id: 'OMRS-TF-011',
    title: 'S3 buckets versioned',
    severity: 'high',
    scope: 'terraform',
    levels: ['prod'],
    why: 'The Terraform state bucket without versioning cannot recover an overwritten or corrupted state.',
    fix: 'Add aws_s3_bucket_versioning with status = "Enabled".',
    refs: { checkov: ['CKV_AWS_21'] },
    check: (ctx) =>
      of(ctx, 'aws_s3_bucket').flatMap((b) => {
        const inline = arr(b.body.versioning).some((v) => tfBool(rec(v).enabled) === true);
        const separate = companion(ctx, 'aws_s3_bucket_versioning', b).some((v) =>
          arr(v.body.versioning_configuration).some((c) => rec(c).status === 'Enabled'),
        );
        return inline || separate ? [] : [hit(b, 'versioning is not enabled')];
      }),
  },
  {
    id: 'OMRS-TF-012',
    title: 'S3 buckets encrypted',
    severity: 'high',
    scope: 'terraform',
    levels: ['prod'],
    why: 'State files hold every secret Terraform knows; they must be encrypted with a key you control.',
    fix: 'Add aws_s3_bucket_server_side_encryption_configuration (aws:kms).',
    refs: { checkov: ['CKV_AWS_19', 'CKV_AWS_145'] },
    check: (ctx) =>
      of(ctx, 'aws_s3_bucket').flatMap((b) =>
        arr(b.body.server_side_encryption_configuration).length > 0 ||
        companion(ctx, 'aws_s3_bucket_server_side_encryption_configuration', b).length > 0
          ? []
          : [hit(b, 'no server-side encryption configuration')],
      ),
  },
  {
    id: 'OMRS-TF-013',
    title: 'S3 public access blocked',
    severity: 'critical',
    scope: 'terraform',
    levels: ['qa', 'prod'],
    why: 'A public state bucket publishes every secret in the state.',
    fix: 'Add aws_s3_bucket_public_access_block with all four settings true.',
    refs: { checkov: ['CKV2_AWS_6', 'CKV_AWS_53', 'CKV_AWS_54', 'CKV_AWS_55', 'CKV_AWS_56'] },
    check: (ctx) =>
      of(ctx, 'aws_s3_bucket').flatMap((b) => {
        const blocks = companion(ctx, 'aws_s3_bucket_public_access_block', b);
        const keys = [
          'block_public_acls',
          'block_public_policy',
          'ignore_public_acls',
          'restrict_public_buckets',
        ];
        if (blocks.length === 0) return [hit(b, 'no aws_s3_bucket_public_access_block')];
        const off = keys.filter((k) => !blocks.some((p) => tfBool(p.body[k]) === true));
        return off.length ? [hit(b, `public access block does not set ${off.join(', ')}`)] : [];
      }),
  },
  {
    id: 'OMRS-TF-014',
    title: 'Terraform state is locked',
    severity: 'medium',
    scope: 'terraform',
    levels: ['prod'],
    why: 'Two concurrent applies without a lock corrupt the state.',
    fix: 'Create an aws_dynamodb_table with hash_key "LockID" next to the state bucket and set dynamodb_table (or use_lockfile = true) in the s3 backend.',
    refs: {},
    check: (ctx) => {
      const hits: Hit[] = [];
      const lockTables = of(ctx, 'aws_dynamodb_table').filter((t) => t.body.hash_key === 'LockID');
      // A partial backend (no bucket) gets bucket and lock table from -backend-config at init: not checkable here.
      for (const b of ctx.model.backends.filter((x) => x.type === 's3' && x.body.bucket !== undefined))
        if (b.body.dynamodb_table === undefined && tfBool(b.body.use_lockfile) !== true)
          hits.push({
            resource: 'terraform.backend.s3',
            message: 'the s3 backend has no dynamodb_table (nor use_lockfile)',
            file: b.file,
          });
      for (const bucket of of(ctx, 'aws_s3_bucket').filter((x) =>
        /state/i.test(`${x.name} ${show(x.body.bucket ?? '')}`),
      ))
        if (lockTables.length === 0)
          hits.push(hit(bucket, 'state bucket without a DynamoDB lock table (hash_key "LockID")'));
      return hits;
    },
  },
  {
    id: 'OMRS-TF-015',
    title: 'RDS IAM authentication',
    severity: 'low',
    scope: 'terraform',
    levels: [],
    why: 'IAM authentication replaces long-lived database passwords with short-lived tokens.',
    fix: 'Set iam_database_authentication_enabled = true.',
    refs: { checkov: ['CKV_AWS_161', 'CKV_AWS_162'], trivy: ['AVD-AWS-0176'] },
    check: (ctx) =>
      of(ctx, ...RDS).flatMap((r) =>
        expectBool(r, 'iam_database_authentication_enabled', true, 'fail', 'password authentication only'),
      ),
  },
  {
    id: 'OMRS-TF-016',
    title: 'RDS Performance Insights and monitoring',
    severity: 'low',
    scope: 'terraform',
    levels: [],
    why: 'Slow OpenMRS pages are usually slow queries; Performance Insights shows which.',
    fix: 'Set performance_insights_enabled = true and monitoring_interval = 60.',
    refs: { checkov: ['CKV_AWS_118', 'CKV_AWS_353'], trivy: ['AVD-AWS-0133'] },
    check: (ctx) =>
      of(ctx, 'aws_db_instance').flatMap((r) =>
        expectBool(r, 'performance_insights_enabled', true, 'fail', 'no query insight'),
      ),
  },
  {
    id: 'OMRS-TF-017',
    title: 'EKS has the EBS CSI driver, with its own IAM role',
    severity: 'high',
    scope: 'terraform',
    levels: ['qa', 'prod'],
    why: 'Without the EBS CSI driver no volume is provisioned on EKS: the database and backup claims stay Pending.',
    fix: 'Add aws_eks_addon "aws-ebs-csi-driver" with service_account_role_arn (an IRSA role with AmazonEBSCSIDriverPolicy), as terraform/modules/eks-addons does.',
    refs: {},
    check: (ctx) => {
      const addons = of(ctx, 'aws_eks_addon').filter((r) => str(r.body.addon_name) === 'aws-ebs-csi-driver');
      const withRole = addons.filter(
        (r) => r.body.service_account_role_arn !== undefined || r.body.pod_identity_association !== undefined,
      );
      if (addons.length > 0 && withRole.length === 0)
        return addons.map((r) => hit(r, 'the EBS CSI driver has no IAM role (service_account_role_arn)'));
      return perCluster(ctx, addons.length > 0, 'no aws-ebs-csi-driver add-on: volume claims stay Pending');
    },
  },
  {
    id: 'OMRS-TF-018',
    title: 'EKS has an ingress controller',
    severity: 'high',
    scope: 'terraform',
    levels: ['qa', 'prod'],
    why: 'The chart (and the promotion entry) is reached through an Ingress; no controller, no traffic.',
    fix: 'Install an ingress controller that follows ExternalName Services (terraform/modules/eks-addons installs Traefik).',
    refs: {},
    check: (ctx) =>
      perCluster(
        ctx,
        helmCharts(ctx, INGRESS_CHARTS).length > 0,
        `no ingress controller release (${INGRESS_CHARTS.join(', ')})`,
      ),
  },
  {
    id: 'OMRS-TF-019',
    title: 'EKS has cert-manager and a ClusterIssuer',
    severity: 'medium',
    scope: 'terraform',
    levels: ['qa', 'prod'],
    why: 'The TLS certificate the Ingress asks for (ingress.tls.clusterIssuer) is issued by cert-manager through an issuer.',
    fix: 'Install cert-manager and create the ClusterIssuer the profile names (terraform/modules/eks-addons does both).',
    refs: {},
    check: (ctx) => {
      if (helmCharts(ctx, ['cert-manager']).length === 0)
        return perCluster(ctx, false, 'no cert-manager release: TLS certificates are never issued');
      const issuer = ctx.model.resources.some((r) => /clusterissuer/i.test(show(r.body)));
      return perCluster(ctx, issuer, 'cert-manager without a ClusterIssuer');
    },
  },
];
