// The rule fixtures of the checks tests: <scope>/<rule-id>/pass.* and fail.*. Each pass fixture is a
// complete, hardened set (it passes every rule of its scope at the prod level); each fail fixture is
// the same set with the one change its rule must catch. They are written into a temp folder when the
// tests run rather than committed: 160 near-identical files are derived from the few lines below.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

const digest = (c) => `sha256:${c.repeat(64)}`;
const b64 = (s) => Buffer.from(s).toString('base64');
const ns = 'emr';
const hardened = {
  runAsNonRoot: true,
  runAsUser: 10101,
  runAsGroup: 10101,
  allowPrivilegeEscalation: false,
  privileged: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};
const podSecurity = {
  runAsNonRoot: true,
  runAsUser: 10101,
  runAsGroup: 10101,
  fsGroup: 10101,
  seccompProfile: { type: 'RuntimeDefault' },
};
const resources = (cpu, mem) => ({
  requests: { cpu: '50m', memory: '64Mi', 'ephemeral-storage': '64Mi' },
  limits: { cpu, memory: mem, 'ephemeral-storage': '256Mi' },
});
const spread = (app) => ({
  affinity: {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 100,
          podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app } } },
        },
      ],
    },
  },
});
const meta = (kind, name, extra = {}) => ({
  name,
  namespace: ns,
  labels: { 'app.kubernetes.io/part-of': 'openmrs', ...(extra.labels ?? {}) },
  ...(extra.annotations && { annotations: extra.annotations }),
});

const NGINX = `events {}
http {
  client_max_body_size 50m;
  server {
    listen 8080;
    error_page 502 503 504 =503 /maintenance.html;
    location = /maintenance.html { root /etc/gateway; internal; }
    location / { proxy_pass http://emr-backend:8080; }
  }
}
`;

function base() {
  return structuredClone(baseObjects());
}

function baseObjects() {
  const backend = {
    name: 'backend',
    image: `openmrs/openmrs-reference-application-3-backend:3.4.0@${digest('a')}`,
    imagePullPolicy: 'IfNotPresent',
    env: [
      { name: 'OMRS_DB_HOSTNAME', value: 'db.internal' },
      { name: 'OMRS_DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'emr-db', key: 'password' } } },
      {
        name: 'OMRS_ADMIN_USER_PASSWORD',
        valueFrom: { secretKeyRef: { name: 'emr-admin', key: 'password' } },
      },
      { name: 'OMRS_ADMIN_PASSWORD_LOCKED', value: 'true' },
      { name: 'OMRS_MODULE_WEB_ADMIN', value: 'false' },
      { name: 'OMRS_ADD_DEMO_DATA', value: 'false' },
      { name: 'OMRS_AUTO_UPDATE_DATABASE', value: 'false' },
    ],
    ports: [{ name: 'http', containerPort: 8080 }],
    readinessProbe: { httpGet: { path: '/openmrs/health/started', port: 'http' }, periodSeconds: 10 },
    livenessProbe: {
      httpGet: { path: '/openmrs/health/alive', port: 'http' },
      periodSeconds: 20,
      failureThreshold: 6,
    },
    resources: resources('2', '4Gi'),
    // The backend image cannot run read-only (OMRS-K8S-011 knows it): this proves the exemption.
    securityContext: { ...hardened, readOnlyRootFilesystem: false },
  };
  const gateway = {
    name: 'gateway',
    image: `openmrs/openmrs-reference-application-3-gateway:3.4.0@${digest('b')}`,
    imagePullPolicy: 'IfNotPresent',
    ports: [{ name: 'http', containerPort: 8080 }],
    readinessProbe: { httpGet: { path: '/healthz', port: 'http' } },
    livenessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 20 },
    resources: resources('500m', '256Mi'),
    securityContext: { ...hardened },
    volumeMounts: [{ name: 'config', mountPath: '/etc/gateway', readOnly: true }],
  };
  const deployment = (app, container, extraPod = {}) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta('Deployment', `emr-${app}`, { labels: { 'omrs.dev/component': app } }),
    spec: {
      replicas: 3,
      selector: { matchLabels: { app } },
      template: {
        metadata: { labels: { app, 'omrs.dev/component': app } },
        spec: {
          serviceAccountName: 'emr-app',
          automountServiceAccountToken: false,
          securityContext: { ...podSecurity },
          ...spread(app),
          containers: [container],
          ...extraPod,
        },
      },
    },
  });
  return [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: meta('ServiceAccount', 'emr-app'),
      automountServiceAccountToken: false,
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta('Secret', 'emr-db'),
      type: 'Opaque',
      data: { password: b64('Xq7-generated-DB-pass') },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta('Secret', 'emr-admin'),
      type: 'Opaque',
      data: { password: b64('Zr4-generated-admin-pass') },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta('ConfigMap', 'emr-gateway', { labels: { 'omrs.dev/component': 'gateway' } }),
      data: {
        'nginx.conf': NGINX,
        'maintenance.html': '<!doctype html><title>Maintenance</title><p>OpenMRS is under maintenance.</p>\n',
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta('ConfigMap', 'emr-prometheus', {
        labels: { 'app.kubernetes.io/component': 'prometheus', 'omrs.dev/component': 'prometheus' },
      }),
      data: {
        'alerts.yml': [
          'groups:',
          '  - name: backups',
          '    rules:',
          '      - alert: BackupStale',
          '        expr: time() - max by (tenant) (omrs_backup_last_success_timestamp_seconds) > 90000',
          '        for: 2m',
          '  - name: openmrs',
          '    rules:',
          '      - alert: BackendDown',
          '        expr: up{job="backend"} == 0',
          '        for: 2m',
          '      - alert: DatabaseDown',
          '        expr: mysql_up == 0',
          '        for: 2m',
          '',
        ].join('\n'),
      },
    },
    deployment('backend', backend),
    deployment('gateway', gateway, { volumes: [{ name: 'config', configMap: { name: 'emr-gateway' } }] }),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('Service', 'emr-backend'),
      spec: {
        type: 'ClusterIP',
        selector: { app: 'backend' },
        sessionAffinity: 'ClientIP',
        ports: [{ port: 8080, targetPort: 'http' }],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('Service', 'emr-gateway'),
      spec: {
        type: 'ClusterIP',
        selector: { app: 'gateway' },
        ports: [{ name: 'http', port: 80, targetPort: 'http' }],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta('NetworkPolicy', 'emr-default'),
      spec: {
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ ports: [{ port: 8080 }] }],
        egress: [{ ports: [{ port: 53, protocol: 'UDP' }, { port: 3306 }, { port: 8080 }] }],
      },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta('PodDisruptionBudget', 'emr-backend'),
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'backend' } } },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta('PodDisruptionBudget', 'emr-gateway'),
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'gateway' } } },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: meta('Ingress', 'emr', {
        annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': '50m' },
      }),
      spec: {
        tls: [{ hosts: ['emr.example.org'], secretName: 'emr-tls' }],
        rules: [
          {
            host: 'emr.example.org',
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: 'emr-gateway', port: { name: 'http' } } },
                },
              ],
            },
          },
        ],
      },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: meta('CronJob', 'emr-backup', { labels: { 'omrs.dev/component': 'backup' } }),
      spec: {
        schedule: '0 2 * * *',
        startingDeadlineSeconds: 3600,
        concurrencyPolicy: 'Forbid',
        jobTemplate: {
          spec: {
            template: {
              metadata: { labels: { app: 'backup' } },
              spec: {
                serviceAccountName: 'emr-app',
                automountServiceAccountToken: false,
                restartPolicy: 'OnFailure',
                securityContext: { ...podSecurity },
                containers: [
                  {
                    name: 'dump',
                    image: `mariadb:10.11.7@${digest('c')}`,
                    imagePullPolicy: 'IfNotPresent',
                    command: ['/bin/sh', '/opt/backup.sh'],
                    env: [{ name: 'DB_PASSWORD_FILE', value: '/var/run/db/password' }],
                    resources: resources('500m', '256Mi'),
                    securityContext: { ...hardened },
                  },
                ],
              },
            },
          },
        },
      },
    },
  ];
}

const find = (objs, kind, name) =>
  objs.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
const dep = (objs, app) => find(objs, 'Deployment', `emr-${app}`);
const pod = (objs, app) => dep(objs, app).spec.template.spec;
const ctr = (objs, app) => pod(objs, app).containers[0];
const env = (objs, name) => ctr(objs, 'backend').env.find((e) => e.name === name);
const dropEnv = (objs, name) => {
  const c = ctr(objs, 'backend');
  c.env = c.env.filter((e) => e.name !== name);
};
const without = (objs, kind) => objs.filter((o) => o.kind !== kind);

/** rule id → the change that must make it fail (returns the new object list). */
const manifestFailures = {
  'OMRS-K8S-001': (o) => {
    delete ctr(o, 'backend').resources.limits;
    return o;
  },
  'OMRS-K8S-002': (o) => {
    delete ctr(o, 'gateway').resources.limits['ephemeral-storage'];
    return o;
  },
  'OMRS-K8S-003': (o) => {
    delete ctr(o, 'backend').readinessProbe;
    return o;
  },
  'OMRS-K8S-004': (o) => {
    delete ctr(o, 'gateway').livenessProbe;
    return o;
  },
  'OMRS-K8S-005': (o) => {
    const c = ctr(o, 'backend');
    c.livenessProbe = structuredClone(c.readinessProbe);
    return o;
  },
  'OMRS-K8S-006': (o) => {
    ctr(o, 'gateway').securityContext.runAsUser = 0;
    return o;
  },
  'OMRS-K8S-007': (o) => {
    Object.assign(pod(o, 'gateway').securityContext, { runAsUser: 1000, runAsGroup: 1000 });
    const sc = ctr(o, 'gateway').securityContext;
    delete sc.runAsUser;
    delete sc.runAsGroup;
    return o;
  },
  'OMRS-K8S-008': (o) => {
    ctr(o, 'backend').securityContext.allowPrivilegeEscalation = true;
    return o;
  },
  'OMRS-K8S-009': (o) => {
    ctr(o, 'gateway').securityContext.capabilities = { drop: ['NET_RAW'] };
    return o;
  },
  'OMRS-K8S-010': (o) => {
    ctr(o, 'gateway').securityContext.capabilities.add = ['SYS_ADMIN'];
    return o;
  },
  'OMRS-K8S-011': (o) => {
    ctr(o, 'gateway').securityContext.readOnlyRootFilesystem = false;
    return o;
  },
  'OMRS-K8S-012': (o) => {
    pod(o, 'gateway').securityContext.seccompProfile = { type: 'Unconfined' };
    delete ctr(o, 'gateway').securityContext.seccompProfile;
    return o;
  },
  'OMRS-K8S-013': (o) => {
    ctr(o, 'backend').securityContext.privileged = true;
    return o;
  },
  'OMRS-K8S-014': (o) => {
    pod(o, 'gateway').hostNetwork = true;
    return o;
  },
  'OMRS-K8S-015': (o) => {
    pod(o, 'gateway').volumes.push({ name: 'docker', hostPath: { path: '/var/run/docker.sock' } });
    return o;
  },
  'OMRS-K8S-016': (o) => {
    ctr(o, 'gateway').ports[0].hostPort = 80;
    return o;
  },
  'OMRS-K8S-017': (o) => {
    pod(o, 'backend').automountServiceAccountToken = true;
    return o;
  },
  'OMRS-K8S-018': (o) => {
    delete pod(o, 'gateway').serviceAccountName;
    return o;
  },
  'OMRS-K8S-019': (o) => without(o, 'NetworkPolicy'),
  'OMRS-K8S-020': (o) => without(o, 'PodDisruptionBudget'),
  'OMRS-K8S-021': (o) => {
    delete find(o, 'Service', 'emr-backend').spec.sessionAffinity;
    return o;
  },
  'OMRS-K8S-022': (o) => {
    delete pod(o, 'backend').affinity;
    return o;
  },
  'OMRS-K8S-023': (o) => {
    ctr(o, 'gateway').image = 'openmrs/openmrs-reference-application-3-gateway:latest';
    return o;
  },
  'OMRS-K8S-024': (o) => {
    ctr(o, 'backend').image = 'openmrs/openmrs-reference-application-3-backend:3.4.0';
    return o;
  },
  'OMRS-K8S-025': (o) => {
    ctr(o, 'backend').imagePullPolicy = 'Always';
    return o;
  },
  'OMRS-K8S-026': (o) => {
    delete find(o, 'Ingress').spec.tls;
    return o;
  },
  'OMRS-K8S-027': (o) => {
    const cm = find(o, 'ConfigMap', 'emr-gateway');
    cm.data['nginx.conf'] = cm.data['nginx.conf'].replace(
      'client_max_body_size 50m',
      'client_max_body_size 0',
    );
    return o;
  },
  'OMRS-K8S-028': (o) => {
    ctr(o, 'backend').env.push({ name: 'MYSQL_ROOT_PASSWORD', value: 'hunter2-literal' });
    return o;
  },
  'OMRS-K8S-029': (o) => {
    find(o, 'ConfigMap', 'emr-gateway').data.DB_PASSWORD = 'hunter2-in-a-configmap';
    return o;
  },
  'OMRS-K8S-030': (o) => without(o, 'CronJob'),
  'OMRS-K8S-031': (o) => {
    const cm = find(o, 'ConfigMap', 'emr-gateway');
    cm.data['nginx.conf'] = cm.data['nginx.conf'].replace(/ *error_page[^\n]*\n/, '');
    return o;
  },
  'OMRS-K8S-032': (o) => {
    delete find(o, 'CronJob').spec.startingDeadlineSeconds;
    return o;
  },
  'OMRS-K8S-033': (o) => {
    find(o, 'Ingress').metadata.annotations['nginx.ingress.kubernetes.io/configuration-snippet'] =
      'more_set_headers "X: y";';
    return o;
  },
  'OMRS-K8S-034': (o) => {
    find(o, 'Service', 'emr-gateway').spec.type = 'NodePort';
    return o;
  },
  'OMRS-K8S-035': (o) => {
    for (const x of o) x.metadata.namespace = 'default';
    return o;
  },
  'OMRS-K8S-036': (o) => {
    find(o, 'Ingress').spec.rules[0].http.paths[0].backend.service.name = 'emr-missing';
    return o;
  },
  'OMRS-K8S-037': (o) => {
    find(o, 'Service', 'emr-backend').spec.selector = { app: 'bakend' };
    return o;
  },
  'OMRS-K8S-038': (o) => {
    find(o, 'PodDisruptionBudget', 'emr-backend').spec.maxUnavailable = 0;
    return o;
  },
  'OMRS-K8S-039': (o) => [
    ...o,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'emr-admin' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'emr-app', namespace: ns }],
    },
  ],
  'OMRS-K8S-040': (o) => {
    find(o, 'PodDisruptionBudget', 'emr-gateway').apiVersion = 'policy/v1beta1';
    return o;
  },
  'OMRS-APP-001': (o) => {
    const e = env(o, 'OMRS_ADMIN_USER_PASSWORD');
    delete e.valueFrom;
    e.value = 'Str0ng-but-literal';
    return o;
  },
  'OMRS-APP-002': (o) => {
    find(o, 'Secret', 'emr-admin').data.password = b64('Admin123');
    return o;
  },
  'OMRS-APP-003': (o) => {
    dropEnv(o, 'OMRS_DB_PASSWORD');
    return o;
  },
  'OMRS-APP-004': (o) => {
    env(o, 'OMRS_MODULE_WEB_ADMIN').value = 'true';
    return o;
  },
  'OMRS-APP-005': (o) => {
    env(o, 'OMRS_ADD_DEMO_DATA').value = 'true';
    return o;
  },
  'OMRS-APP-006': (o) => {
    dropEnv(o, 'OMRS_AUTO_UPDATE_DATABASE');
    return o;
  },
  'OMRS-APP-007': (o) => {
    env(o, 'OMRS_ADMIN_PASSWORD_LOCKED').value = 'false';
    return o;
  },
  'OMRS-APP-008': (o) => {
    ctr(o, 'backend').env.push({ name: 'OMRS_DEV_DEBUG_PORT', value: '8000' });
    return o;
  },
  'OMRS-APP-010': (o) => {
    const rules = find(o, 'ConfigMap', 'emr-prometheus');
    rules.data['alerts.yml'] = rules.data['alerts.yml'].replace(/ {6}- alert: DatabaseDown[^]*$/, '');
    return o;
  },
  'OMRS-APP-011': (o) => {
    const rules = find(o, 'ConfigMap', 'emr-prometheus');
    rules.data['alerts.yml'] = rules.data['alerts.yml'].replace(
      / {2}- name: backups[^]*?(?= {2}- name: openmrs)/,
      '',
    );
    return o;
  },
  'OMRS-APP-009': (o) => {
    find(o, 'Secret', 'emr-db').data.password = b64('OpenMRS123');
    return o;
  },
};

const yaml = (objs) => objs.map((x) => `---\n${stringify(x, { lineWidth: 0 })}`).join('');

/** Writes every fixture under `here` (manifests/ and terraform/). */
export function writeCheckFixtures(here) {
  rmSync(join(here, 'manifests'), { recursive: true, force: true });
  for (const [id, fail] of Object.entries(manifestFailures)) {
    const dir = join(here, 'manifests', id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'pass.yaml'),
      `# ${id}: the hardened reference set; passes every manifest rule at the prod level.\n${yaml(base())}`,
    );
    writeFileSync(
      join(dir, 'fail.yaml'),
      `# ${id}: the reference set with the one change this rule must catch.\n${yaml(fail(base()))}`,
    );
  }

  // ---- Terraform ----
  const VARIABLES = `variable "backup_retention_days" {
  type    = number
  default = 14
}

# No default: set by omrs promote from the profile; the validation makes it true.
variable "deletion_protection" {
  type = bool

  validation {
    condition     = var.deletion_protection
    error_message = "Production keeps deletion protection on."
  }
}
`;
  const MAIN = `terraform {
  backend "s3" {
    bucket         = "omrs-prod-terraform-state"
    key            = "omrs/prod/terraform.tfstate"
    region         = "eu-west-1"
    dynamodb_table = "omrs-prod-terraform-lock"
    encrypt        = true
  }
}

resource "aws_db_instance" "main" {
  identifier                          = "omrs-prod"
  engine                              = "mariadb"
  instance_class                      = "db.m6g.large"
  allocated_storage                   = 100
  storage_encrypted                   = true
  backup_retention_period             = var.backup_retention_days
  deletion_protection                 = var.deletion_protection
  skip_final_snapshot                 = false
  final_snapshot_identifier           = "omrs-prod-final"
  multi_az                            = true
  publicly_accessible                 = false
  iam_database_authentication_enabled = true
  performance_insights_enabled        = true
}

resource "aws_eks_cluster" "main" {
  name                      = "omrs-prod"
  role_arn                  = "arn:aws:iam::111122223333:role/eks"
  enabled_cluster_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]

  vpc_config {
    subnet_ids              = ["subnet-1", "subnet-2"]
    endpoint_private_access = true
    endpoint_public_access  = false
  }

  #ENCRYPTION
  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = "arn:aws:kms:eu-west-1:111122223333:key/1"
    }
  }
  #/ENCRYPTION
}

resource "aws_eks_addon" "ebs_csi" {
  cluster_name             = aws_eks_cluster.main.name
  addon_name               = "aws-ebs-csi-driver"
  service_account_role_arn = "arn:aws:iam::111122223333:role/ebs-csi"
}

resource "helm_release" "ingress" {
  name       = "traefik"
  repository = "https://traefik.github.io/charts"
  chart      = "traefik"
}

resource "helm_release" "cert_manager" {
  name       = "cert-manager"
  repository = "https://charts.jetstack.io"
  chart      = "cert-manager"
}

resource "helm_release" "cluster_config" {
  name   = "omrs-cluster-config"
  chart  = "./charts/cluster-config"
  values = [yamlencode({ clusterIssuer = { name = "letsencrypt" } })]
}

resource "aws_eks_node_group" "main" {
  cluster_name  = aws_eks_cluster.main.name
  node_role_arn = "arn:aws:iam::111122223333:role/nodes"
  subnet_ids    = ["subnet-1", "subnet-2"]

  scaling_config {
    desired_size = 3
    min_size     = 3
    max_size     = 6
  }
  #SSH
}

resource "aws_s3_bucket" "state" {
  bucket = "omrs-prod-terraform-state"
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id
  versioning_configuration {
    status = "Enabled"
  }
}

#SSE
resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
  }
}
#/SSE

resource "aws_s3_bucket_public_access_block" "state" {
  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

#LOCK
resource "aws_dynamodb_table" "lock" {
  name         = "omrs-prod-terraform-lock"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "LockID"

  attribute {
    name = "LockID"
    type = "S"
  }
}
#/LOCK
`;
  const cut = (text, tag) => text.replace(new RegExp(`#${tag}\\n[\\s\\S]*?#/${tag}\\n`), '');
  const tfFailures = {
    'OMRS-TF-001': {
      main: (m) =>
        m.replace(
          'storage_encrypted                   = true',
          'storage_encrypted                   = false',
        ),
    },
    'OMRS-TF-002': { variables: (v) => v.replace('default = 14', 'default = 2') },
    'OMRS-TF-003': {
      main: (m) =>
        m.replace(
          'deletion_protection                 = var.deletion_protection',
          'deletion_protection                 = false',
        ),
    },
    'OMRS-TF-004': {
      main: (m) =>
        m.replace(
          'skip_final_snapshot                 = false',
          'skip_final_snapshot                 = true',
        ),
    },
    'OMRS-TF-005': {
      main: (m) =>
        m.replace(
          'multi_az                            = true',
          'multi_az                            = false',
        ),
    },
    'OMRS-TF-006': {
      main: (m) =>
        m.replace(
          'publicly_accessible                 = false',
          'publicly_accessible                 = true',
        ),
    },
    'OMRS-TF-007': {
      main: (m) => m.replace('endpoint_public_access  = false', 'endpoint_public_access  = true'),
    },
    'OMRS-TF-008': { main: (m) => cut(m, 'ENCRYPTION') },
    'OMRS-TF-009': {
      main: (m) =>
        m.replace('["api", "audit", "authenticator", "controllerManager", "scheduler"]', '["api", "audit"]'),
    },
    'OMRS-TF-010': {
      main: (m) => m.replace('  #SSH\n', '  remote_access {\n    ec2_ssh_key = "ops"\n  }\n'),
    },
    'OMRS-TF-011': { main: (m) => m.replace('status = "Enabled"', 'status = "Suspended"') },
    'OMRS-TF-012': { main: (m) => cut(m, 'SSE') },
    'OMRS-TF-013': {
      main: (m) => m.replace('block_public_policy     = true', 'block_public_policy     = false'),
    },
    'OMRS-TF-014': {
      main: (m) => cut(m, 'LOCK').replace('    dynamodb_table = "omrs-prod-terraform-lock"\n', ''),
    },
    'OMRS-TF-015': {
      main: (m) =>
        m.replace(
          'iam_database_authentication_enabled = true',
          'iam_database_authentication_enabled = false',
        ),
    },
    'OMRS-TF-017': {
      main: (m) => m.replace('  service_account_role_arn = "arn:aws:iam::111122223333:role/ebs-csi"\n', ''),
    },
    'OMRS-TF-018': { main: (m) => m.replace('chart      = "traefik"', 'chart      = "podinfo"') },
    'OMRS-TF-019': {
      main: (m) =>
        m.replace('values = [yamlencode({ clusterIssuer = { name = "letsencrypt" } })]', 'values = []'),
    },
    'OMRS-TF-016': {
      main: (m) =>
        m.replace(
          'performance_insights_enabled        = true',
          'performance_insights_enabled        = false',
        ),
    },
  };
  rmSync(join(here, 'terraform'), { recursive: true, force: true });
  for (const [id, change] of Object.entries(tfFailures)) {
    for (const kind of ['pass', 'fail']) {
      const dir = join(here, 'terraform', id, kind);
      mkdirSync(dir, { recursive: true });
      const main = kind === 'fail' && change.main ? change.main(MAIN) : MAIN;
      const variables = kind === 'fail' && change.variables ? change.variables(VARIABLES) : VARIABLES;
      if (kind === 'fail' && main === MAIN && variables === VARIABLES)
        throw new Error(`${id}: the fail change did not apply`);
      writeFileSync(join(dir, 'main.tf'), `# ${id} (${kind})\n${main}`);
      writeFileSync(join(dir, 'variables.tf'), variables);
    }
  }
}
