{{/* Names ---------------------------------------------------------------- */}}

{{/* The prefix of every object name: the release (omrs uses the environment name). */}}
{{- define "omrs.fullname" -}}
{{- .Release.Name | trunc 30 | trimSuffix "-" -}}
{{- end -}}

{{- define "omrs.backendName" -}}
{{- printf "%s-backend-%s" (include "omrs.fullname" .ctx) .tenant.name -}}
{{- end -}}

{{- define "omrs.tenantSecretName" -}}
{{- printf "%s-db-%s" (include "omrs.fullname" .ctx) .tenant.name -}}
{{- end -}}

{{- define "omrs.dbHost" -}}
{{- if eq .Values.database.mode "external" -}}{{ .Values.database.host }}{{- else -}}{{ include "omrs.fullname" . }}-db{{- end -}}
{{- end -}}

{{/* The Secret and key with the database administrator's password. */}}
{{- define "omrs.dbAdminSecret" -}}
{{- if eq .Values.database.mode "external" -}}{{ .Values.database.existingSecret.name }}{{- else -}}{{ include "omrs.fullname" . }}-db-admin{{- end -}}
{{- end -}}
{{- define "omrs.dbAdminSecretKey" -}}
{{- if eq .Values.database.mode "external" -}}{{ .Values.database.existingSecret.key | default "password" }}{{- else -}}password{{- end -}}
{{- end -}}

{{- define "omrs.adminSecret" -}}
{{- .Values.admin.existingSecret.name | default (printf "%s-admin" (include "omrs.fullname" .)) -}}
{{- end -}}
{{- define "omrs.adminSecretKey" -}}
{{- if .Values.admin.existingSecret.name -}}{{ .Values.admin.existingSecret.key | default "password" }}{{- else -}}password{{- end -}}
{{- end -}}

{{/* Labels ----------------------------------------------------------------
  include "omrs.labels" (dict "ctx" $ "component" "backend" "tenant" "a")
*/}}
{{- define "omrs.selectorLabels" -}}
app.kubernetes.io/name: openmrs
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- if .tenant }}
omrs.dev/tenant: {{ .tenant }}
{{- end }}
{{- end -}}

{{- define "omrs.labels" -}}
{{ include "omrs.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: openmrs
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version }}
omrs.dev/env: {{ .ctx.Values.omrs.env | default .ctx.Release.Name | quote }}
omrs.dev/profile: {{ .ctx.Values.omrs.profile | quote }}
omrs.dev/app-digest: {{ .ctx.Values.omrs.appDigest | quote }}
omrs.dev/component: {{ .component }}
{{- end -}}

{{/* Standard metadata: name, namespace, labels, and the full app digest. */}}
{{- define "omrs.metadata" -}}
name: {{ .name }}
namespace: {{ .ctx.Release.Namespace }}
labels:
  {{- include "omrs.labels" . | nindent 2 }}
{{- if or .ctx.Values.omrs.appDigestFull .keep .routes }}
annotations:
  {{- with .ctx.Values.omrs.appDigestFull }}
  omrs.dev/app-digest: {{ . | quote }}
  {{- end }}
  {{- with .routes }}
  # What a load balancer in place of the gateway sends here (gateway.enabled: false).
  omrs.dev/routes: {{ . | quote }}
  {{- end }}
  {{- if .keep }}
  # {{ .keepWhy | default "helm uninstall (`omrs down`) leaves it with the volumes: their database only accepts this password." }}
  helm.sh/resource-policy: keep
  {{- end }}
{{- end }}
{{- end -}}

{{/* Pods ------------------------------------------------------------------ */}}

{{- define "omrs.image" -}}
image: {{ .image | quote }}
imagePullPolicy: {{ .ctx.Values.images.pullPolicy }}
{{- end -}}

{{- define "omrs.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.podSecurity.runAsUser }}
runAsGroup: {{ .Values.podSecurity.runAsGroup }}
fsGroup: {{ .Values.podSecurity.fsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* include "omrs.securityContext" (dict "ctx" $ "readOnly" true) */}}
{{- define "omrs.securityContext" -}}
runAsNonRoot: true
runAsUser: {{ .ctx.Values.podSecurity.runAsUser }}
runAsGroup: {{ .ctx.Values.podSecurity.runAsGroup }}
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: {{ .readOnly }}
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Pod-level settings shared by every workload: include "omrs.podSpecCommon" (dict "ctx" $ "component" "backend"),
     with "port" when the container listens on a port below 1024 */}}
{{- define "omrs.podSpecCommon" -}}
serviceAccountName: {{ include "omrs.fullname" .ctx }}-{{ .component }}
automountServiceAccountToken: false
enableServiceLinks: false
{{- with .ctx.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if ne .component "db" }}
securityContext:
  {{- include "omrs.podSecurityContext" .ctx | nindent 2 }}
  {{- if and .port (lt (int .port) 1024) }}
  # Non-root with no capabilities, the container still binds its port below 1024 (Docker allows it by
  # default; containerd and CRI-O do not). A namespaced sysctl every kubelet allows since 1.22.
  sysctls:
    - { name: net.ipv4.ip_unprivileged_port_start, value: "0" }
  {{- end }}
{{- end }}
{{- end -}}

{{/* Spread replicas over nodes and zones when there are several. */}}
{{- define "omrs.spread" -}}
{{- if gt (int .replicas) 1 }}
affinity:
  podAntiAffinity:
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm:
          topologyKey: kubernetes.io/hostname
          labelSelector:
            matchLabels:
              {{- include "omrs.selectorLabels" . | nindent 14 }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "omrs.selectorLabels" . | nindent 8 }}
{{- end }}
{{- end -}}

{{/* A generated password that survives upgrades: the existing Secret's value (lookup), else
  one derived from database.passwordSeed (helm template), else a random one.
  include "omrs.password" (dict "ctx" $ "secret" "name" "key" "password" "salt" "tenant-a") */}}
{{- define "omrs.password" -}}
{{- $existing := lookup "v1" "Secret" .ctx.Release.Namespace .secret -}}
{{- if and $existing (hasKey ($existing.data | default dict) .key) -}}
{{- index $existing.data .key -}}
{{- else if .ctx.Values.database.passwordSeed -}}
{{- printf "%s/%s/%s" .ctx.Values.database.passwordSeed .ctx.Release.Name .salt | sha256sum | trunc 32 | b64enc -}}
{{- else -}}
{{- randAlphaNum 32 | b64enc -}}
{{- end -}}
{{- end -}}

{{/* A database password that blue and green share. With database.sharedCredentials (omrs promote:
  a Secret in the environment's base namespace) both colours read the same one at `key` (a tenant
  name, or monitoring.exporter), so deploying the idle colour never changes a password the live
  colour logs in with; else omrs.password.
  include "omrs.sharedPassword" (dict "ctx" $ "key" $tenant.name "secret" $secret "salt" "tenant/a") */}}
{{- define "omrs.sharedPassword" -}}
{{- $shared := .ctx.Values.database.sharedCredentials | default dict -}}
{{- $found := "" -}}
{{- if $shared.secret -}}
{{- $s := lookup "v1" "Secret" $shared.namespace $shared.secret -}}
{{- if and $s (hasKey ($s.data | default dict) .key) -}}{{- $found = index $s.data .key -}}{{- end -}}
{{- end -}}
{{- if $found -}}
{{- $found -}}
{{- else -}}
{{- include "omrs.password" (dict "ctx" .ctx "secret" .secret "key" "password" "salt" .salt) -}}
{{- end -}}
{{- end -}}

{{/* A container that waits until the database accepts a login, then exits. */}}
{{- define "omrs.waitForDatabase" -}}
- name: wait-for-database
  {{- include "omrs.image" (dict "ctx" .ctx "image" .ctx.Values.images.db) | nindent 2 }}
  command: ["/bin/sh", "/opt/omrs/wait-for-database.sh"]
  env:
    - { name: DB_HOST, value: {{ include "omrs.dbHost" .ctx | quote }} }
    - { name: DB_PORT, value: {{ .ctx.Values.database.port | quote }} }
    - { name: DB_USER, value: {{ .user | quote }} }
    - { name: DB_PASSWORD_FILE, value: /var/run/omrs/tenant/password }
    - { name: WAIT_SECONDS, value: {{ .ctx.Values.database.waitSeconds | quote }} }
  resources:
    {{- toYaml .ctx.Values.jobs.resources | nindent 4 }}
  securityContext:
    {{- include "omrs.securityContext" (dict "ctx" .ctx "readOnly" true) | nindent 4 }}
  volumeMounts:
    - { name: scripts, mountPath: /opt/omrs, readOnly: true }
    - { name: tenant-secret, mountPath: /var/run/omrs/tenant, readOnly: true }
    - { name: tmp, mountPath: /tmp }
{{- end -}}

{{/* Environment and volumes for a container that logs in as the database administrator:
  the password (and optionally the user name) come from the admin Secret, mounted as files. */}}
{{- define "omrs.dbAdminEnv" -}}
- { name: DB_HOST, value: {{ include "omrs.dbHost" . | quote }} }
- { name: DB_PORT, value: {{ .Values.database.port | quote }} }
- { name: DB_USER_FILE, value: /var/run/omrs/db-admin/username }
- { name: DB_PASSWORD_FILE, value: /var/run/omrs/db-admin/{{ include "omrs.dbAdminSecretKey" . }} }
- { name: WAIT_SECONDS, value: {{ .Values.database.waitSeconds | quote }} }
{{- end -}}
{{- define "omrs.dbAdminVolume" -}}
- name: db-admin
  secret: { secretName: {{ include "omrs.dbAdminSecret" . }}, defaultMode: 0440 }
{{- end -}}

{{/* The backup container: mariadb-dump of every tenant into /backup. */}}
{{- define "omrs.backupDump" -}}
- name: dump
  {{- include "omrs.image" (dict "ctx" .ctx "image" .ctx.Values.images.db) | nindent 2 }}
  command: ["/bin/sh", "/opt/omrs/backup.sh"]
  env:
    {{- include "omrs.dbAdminEnv" .ctx | nindent 4 }}
    - { name: TENANTS, value: {{ .tenants | quote }} }
    - { name: RETENTION_DAYS, value: {{ .ctx.Values.backup.retentionDays | quote }} }
  resources:
    {{- toYaml .ctx.Values.jobs.resources | nindent 4 }}
  securityContext:
    {{- include "omrs.securityContext" (dict "ctx" .ctx "readOnly" true) | nindent 4 }}
  volumeMounts:
    - { name: scripts, mountPath: /opt/omrs, readOnly: true }
    - { name: db-admin, mountPath: /var/run/omrs/db-admin, readOnly: true }
    - { name: backup, mountPath: /backup }
    - { name: tmp, mountPath: /tmp }
{{- end -}}

{{/* The backup's S3 copy of the backup volume: include "omrs.backupUpload" $ */}}
{{- define "omrs.backupUpload" -}}
- name: upload
  {{- include "omrs.image" (dict "ctx" . "image" .Values.backup.s3.image) | nindent 2 }}
  command:
    - aws
    - s3
    - sync
    - /backup
    - {{ printf "s3://%s/%s/%s" .Values.backup.s3.bucket .Values.backup.s3.prefix (include "omrs.fullname" .) | quote }}
    - --only-show-errors
    {{- with .Values.backup.s3.endpoint }}
    - --endpoint-url
    - {{ . | quote }}
    {{- end }}
  env:
    - { name: HOME, value: /tmp }
    {{- with .Values.backup.s3.region }}
    - { name: AWS_REGION, value: {{ . | quote }} }
    {{- end }}
  {{- with .Values.backup.s3.existingSecret }}
  envFrom:
    - secretRef: { name: {{ . }} }
  {{- end }}
  resources:
    {{- toYaml .Values.jobs.resources | nindent 4 }}
  securityContext:
    {{- include "omrs.securityContext" (dict "ctx" . "readOnly" true) | nindent 4 }}
  volumeMounts:
    - { name: backup, mountPath: /backup, readOnly: true }
    - { name: tmp, mountPath: /tmp }
{{- end -}}

{{/* The Ingress's hosts, comma-separated: ingress.host and each tenant's own host, once each. */}}
{{- define "omrs.ingressHosts" -}}
{{- $hosts := list .Values.ingress.host -}}
{{- range .Values.tenants }}{{ if .host }}{{ $hosts = append $hosts .host }}{{ end }}{{ end -}}
{{- uniq $hosts | join "," -}}
{{- end -}}

{{/* "true" when the certificates the Ingress hosts serve are watched: monitoring on, TLS in front
  of the gateway, and a runtime that serves it (omrs sets certificates.enabled: false on Docker).
  Not ingress.enabled: a promoted colour has no Ingress of its own, the entry's serves its hosts. */}}
{{- define "omrs.certificatesWatched" -}}
{{- $c := .Values.monitoring.certificates -}}
{{- if and .Values.monitoring.enabled $c.enabled .Values.gateway.enabled .Values.ingress.tls.enabled }}true{{ end -}}
{{- end -}}

{{/* "true" when the environment runs its Grafana (grafana.yaml). */}}
{{- define "omrs.grafanaEnabled" -}}
{{- if and .Values.monitoring.enabled .Values.monitoring.grafana.enabled }}true{{ end -}}
{{- end -}}

{{/* The OpenMRS dashboards, as ConfigMap data (files/dashboards): the logs one only with a log
  store, its LogsQL fields named as the store names them (the environment's own on Docker, the
  cluster's shared one from the pods' labels). */}}
{{- define "omrs.dashboards" -}}
{{- $store := include "omrs.grafanaLogStore" . -}}
{{- $fields := dict "__ENV_FIELD__" "environment" "__TENANT_FIELD__" "tenant" "__SERVICE_FIELD__" "service" -}}
{{- if eq $store "cluster" -}}
{{- $fields = dict "__ENV_FIELD__" `\"kubernetes.pod_labels.omrs.dev/env\"` "__TENANT_FIELD__" `\"kubernetes.pod_labels.omrs.dev/tenant\"` "__SERVICE_FIELD__" `\"kubernetes.pod_labels.omrs.dev/component\"` -}}
{{- end -}}
{{- range $path, $_ := .Files.Glob "files/dashboards/*.json" }}
{{- if or (ne (base $path) "openmrs-logs.json") $store }}
{{ base $path }}: |
  {{- $text := $.Files.Get $path }}
  {{- range $placeholder, $field := $fields }}{{ $text = replace $placeholder $field $text }}{{ end }}
  {{- $text | nindent 2 }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The log store Grafana reads: "own" (the environment's, logs.enabled: Docker), "cluster" (the
  cluster's shared one), or "" (none). */}}
{{- define "omrs.grafanaLogStore" -}}
{{- if .Values.monitoring.logs.enabled -}}own
{{- else if .Values.monitoring.grafana.clusterLogStore -}}cluster
{{- end -}}
{{- end -}}

{{/* The URL of that log store. */}}
{{- define "omrs.logStoreUrl" -}}
{{- if eq (include "omrs.grafanaLogStore" .) "own" -}}
http://{{ include "omrs.fullname" . }}-logs:9428
{{- else -}}
http://omrs-monitoring-logs.omrs-monitoring.svc:9428
{{- end -}}
{{- end -}}
