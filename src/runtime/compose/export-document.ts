// The compose document of `omrs compose export`, built from the compose plan (pure). What it
// writes can be committed: no value of a Secret is in it. Secret values become variables that
// compose reads from the `.env` beside the file; a one-shot `prepare` service (root, no network)
// writes them into named volumes as files owned by the pod's user, mode 0600 in 0700 folders,
// and makes the pods' emptyDir volumes writable (0777 like the kubelet's).
import { OmrsError } from '../../errors.js';
import { SECRET_NAME } from '../../mask.js';
import { nameFor, type Role } from './docker-spec.js';
import { LABEL, networkName, volumeName } from './names.js';
import type { Phase } from '../../render/workloads.js';
import type { ComposePlan, ContainerPlan, FilePlan, Mount, ServicePlan } from './plan.js';

export interface DocumentOptions {
  /** The config folder as the compose file refers to it, e.g. "./dev". */
  configDir: string;
  profile: string;
  appDigest: string;
}

export interface ExportDocument {
  compose: {
    services: Record<string, ComposeService>;
    networks: Record<string, unknown>;
    volumes?: Record<string, unknown>;
  };
  /** Per service: the env file (values without secrets), under the config folder. */
  envFiles: Record<string, string>;
  /** ConfigMap files to write under the config folder's files/. */
  files: FilePlan[];
  /** The prepare service's script (config folder's prepare.sh), when a service needs one. */
  prepareScript?: string;
  /** The variables `.env` must define: name → this render's value. */
  secrets: Record<string, string>;
  /** Variables with a default in the compose file that `.env` may override (not secret): name → value. */
  defaults: Record<string, string>;
}

export type ComposeService = Record<string, unknown>;

/** The variables that set the published ports (`127.0.0.1:<port>`) of the gateway and the monitoring tools. */
export const PORT_VARIABLES = {
  gateway: 'OMRS_GATEWAY_PORT',
  prometheus: 'OMRS_PROMETHEUS_PORT',
  logs: 'OMRS_LOGS_PORT',
  grafana: 'OMRS_GRAFANA_PORT',
} as const;
export const PREPARE_SERVICE = 'prepare';
const PREPARE_ROOT = '/omrs';

const PREVIOUS: Record<Phase, Phase[]> = {
  database: [],
  init: ['database'],
  backend: ['init', 'database'],
  frontend: ['backend'],
  gateway: ['frontend', 'backend'],
};
const PULL: Record<ContainerPlan['pullPolicy'], string | undefined> = {
  IfNotPresent: undefined,
  Always: 'always',
  Never: 'never',
};
/** A value an env file or a `${VAR:-default}` can hold as it is in every compose version. */
const PLAIN = /^[A-Za-z0-9_.,:/+=@%-]*$/;

const slug = (text: string): string => text.replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
/** `$` is compose's interpolation character: `$$` is a literal one. */
const literal = (text: string): string => text.replace(/\$/g, '$$$$');

/**
 * The variables of the Secret keys: `OMRS_<secret without the release prefix>_<key>`, so
 * Secret dev-db-admin key password is OMRS_DB_ADMIN_PASSWORD.
 */
class Variables {
  readonly secrets: Record<string, string> = {};
  readonly defaults: Record<string, string> = {};
  private readonly byRef = new Map<string, string>();

  constructor(private readonly env: string) {}

  /** The variable of a Secret key; a key whose name says secret (or an odd value) must come from `.env`. */
  variable(secret: string, key: string, value: string): string {
    const ref = `${secret}\0${key}`;
    const known = this.byRef.get(ref);
    if (known) return known;
    const short = secret.startsWith(`${this.env}-`) ? secret.slice(this.env.length + 1) : secret;
    const base = `OMRS_${short}_${key}`
      .toUpperCase()
      .replace(/[^A-Z0-9]+/g, '_')
      .replace(/_+$/, '');
    let name = base;
    for (
      let n = 2;
      name in this.secrets || name in this.defaults || Object.values<string>(PORT_VARIABLES).includes(name);
      n++
    )
      name = `${base}_${n}`;
    this.byRef.set(ref, name);
    if (SECRET_NAME.test(key) || !PLAIN.test(value)) this.secrets[name] = value;
    else this.defaults[name] = value;
    return name;
  }

  /** `${VAR:?…}` for a secret, `${VAR:-value}` for another key of a Secret (a user name). */
  expression(name: string): string {
    return name in this.secrets
      ? `\${${name}:?${name} is not set: see README.md beside this file}`
      : `\${${name}:-${this.defaults[name]}}`;
  }
}

const secretRef = (source: string | undefined): { name: string; key: string } | undefined => {
  const m = source && /^Secret\/(.+) key (.+)$/.exec(source);
  return m ? { name: m[1]!, key: m[2]! } : undefined;
};

export function exportDocument(plan: ComposePlan, options: DocumentOptions): ExportDocument {
  const vars = new Variables(plan.env);
  const services: Record<string, ComposeService> = {};
  const envFiles: Record<string, string> = {};
  const volumes: Record<string, unknown> = {};
  const commonLabels = {
    [LABEL.env]: plan.env,
    [LABEL.profile]: options.profile,
    [LABEL.appDigest]: options.appDigest,
  };
  const addVolume = (key: string): void => {
    const name = volumeName(plan.env, key);
    volumes[key] = { name, labels: { ...commonLabels, [LABEL.service]: name } };
  };
  // What the prepare service does: secret folders (volume key → files) and emptyDir volumes.
  const secretFolders = new Map<string, { target: string; files: FilePlan[] }>();
  const scratch = new Set<string>();
  // Named volumes that a pod with an fsGroup writes to: the prepare service gives them to the group.
  const grouped = new Map<string, number>();
  const prepared = new Set<string>();
  const probeOf = (s: ServicePlan) => s.containers[0]?.readinessProbe ?? s.containers[0]?.startupProbe;
  const healthy = new Set(
    plan.services.filter((s) => s.kind !== 'Job' && probeOf(s)?.action.type === 'exec').map((s) => s.name),
  );
  const completes = new Set(plan.services.filter((s) => s.kind === 'Job').map((s) => s.name));
  for (const v of plan.volumes) addVolume(v.replace(new RegExp(`^omrs-${plan.env}-`), ''));
  if (plan.services.some((s) => s.name === PREPARE_SERVICE))
    throw new OmrsError({
      code: 'COMPOSE_EXPORT_NAME',
      message: `The chart renders a workload named "${PREPARE_SERVICE}", the name the export gives its own prepare service.`,
      hint: 'Rename the workload in the chart values.',
    });

  const mountOf = (s: ServicePlan, key: string, m: Mount): Record<string, unknown> => {
    if (m.type === 'tmpfs') return { type: 'tmpfs', target: m.target };
    if (m.type === 'host') return { type: 'bind', source: m.source, target: m.target, read_only: true };
    if (m.type === 'emptyDir') {
      const volume = `scratch-${slug([s.name, m.volume, m.subPath].filter(Boolean).join('-'))}`;
      scratch.add(volume);
      prepared.add(key);
      return { type: 'volume', source: volume, target: m.target, volume: { nocopy: true } };
    }
    if (m.type === 'volume') {
      const source = m.source.replace(new RegExp(`^omrs-${plan.env}-`), '');
      if (s.fsGroup !== undefined && !m.readOnly && !grouped.has(source)) {
        grouped.set(source, s.fsGroup);
        prepared.add(key);
      }
      return { type: 'volume', source, target: m.target, read_only: m.readOnly };
    }
    const files = plan.files.filter((f) => f.path === m.source || f.path.startsWith(`${m.source}/`));
    if (!files.some((f) => f.secret))
      return {
        type: 'bind',
        source: `${options.configDir}/files/${m.source}`,
        target: m.target,
        read_only: true,
      };
    if (files.some((f) => f.path === m.source))
      throw new OmrsError({
        code: 'COMPOSE_EXPORT_UNSUPPORTED',
        message: `${s.source} mounts one key of a Secret as a file (${m.target}); the export cannot: Docker 20.10 cannot mount part of a volume, and a Secret is never written beside the compose file.`,
        hint: 'Mount the whole Secret as a folder in the chart, or run the profile with `omrs up`.',
      });
    const volume = `secret-${slug(m.source.replace(/\//g, '-'))}`;
    secretFolders.set(volume, {
      target: `${PREPARE_ROOT}/${volume}`,
      files: files.map((f) => ({ ...f, path: f.path.slice(m.source.length + 1) })),
    });
    prepared.add(key);
    return { type: 'volume', source: volume, target: m.target, read_only: true, volume: { nocopy: true } };
  };

  const service = (s: ServicePlan, c: ContainerPlan, key: string, role: Role): ComposeService => {
    const plain: string[] = [];
    const environment: Record<string, string> = {};
    for (const [k, v] of Object.entries(c.env)) {
      const ref = secretRef(c.envSources[k]);
      if (ref) environment[k] = vars.expression(vars.variable(ref.name, ref.key, v));
      else if (PLAIN.test(v)) plain.push(`${k}=${v}`);
      else environment[k] = literal(v);
    }
    envFiles[key] = plain.length > 0 ? plain.join('\n') + '\n' : '';
    const mounts = c.mounts.map((m) => mountOf(s, key, m));
    const probe = c.readinessProbe ?? c.startupProbe;
    const single = s.replicas === 1 || s.kind === 'Job';
    const out: ComposeService = {
      image: c.image,
      ...(PULL[c.pullPolicy] && { pull_policy: PULL[c.pullPolicy] }),
      ...(single && { container_name: nameFor(plan.env, s, c, role, 0) }),
      ...(single &&
        role !== 'sidecar' && {
          hostname: (s.kind === 'StatefulSet' && role === 'main'
            ? `${s.source.split('/')[1]}-0`
            : nameFor(plan.env, s, c, role, 0)
          ).slice(0, 63),
        }),
      labels: {
        ...commonLabels,
        [LABEL.service]: s.name,
        [LABEL.role]: role,
        ...(role === 'main' && probe && { [LABEL.probe]: literal(JSON.stringify(probe)) }),
      },
      ...(c.entrypoint && { entrypoint: c.entrypoint.map(literal) }),
      ...(c.cmd && { command: c.cmd.map(literal) }),
      ...(c.workingDir && { working_dir: c.workingDir }),
      ...(c.user && { user: c.user }),
      ...(c.groupAdd.length > 0 && { group_add: c.groupAdd }),
      env_file: [`${options.configDir}/${key}.env`],
      ...(Object.keys(environment).length > 0 && { environment }),
      read_only: c.readOnlyRootfs,
      ...(c.capAdd.length > 0 && { cap_add: c.capAdd }),
      ...(c.capDrop.length > 0 && { cap_drop: c.capDrop }),
      ...(c.noNewPrivileges && { security_opt: ['no-new-privileges:true'] }),
      ...(c.privileged && { privileged: true }),
      ...(c.memoryBytes && { mem_limit: c.memoryBytes }),
      ...(c.nanoCpus && { cpus: c.nanoCpus / 1e9 }),
      ...(mounts.length > 0 && { volumes: mounts }),
      restart: role === 'main' || role === 'sidecar' ? 'unless-stopped' : 'no',
    };
    if (role === 'sidecar') out.network_mode = `service:${s.name}`;
    else out.networks = { omrs: { aliases: role === 'main' ? s.aliases : [] } };
    if (probe?.action.type === 'exec' && role === 'main') {
      out.healthcheck = {
        test: ['CMD', ...probe.action.command.map(literal)],
        interval: '5s',
        timeout: `${probe.timeoutSeconds}s`,
        retries: Math.max(probe.failureThreshold, 30),
        start_period: `${probe.initialDelaySeconds}s`,
      };
    }
    if (role === 'main' && s.publish)
      out.ports = [
        `127.0.0.1:\${${PORT_VARIABLES[s.publish.as]}:-${s.publish.hostPort}}:${s.publish.containerPort}`,
      ];
    return out;
  };

  for (const s of plan.services.filter((x) => x.replicas > 0)) {
    const [main, ...sidecars] = s.containers;
    const inits = s.initContainers.map((c, i) => {
      const key = `${s.name}-init-${c.name}`;
      services[key] = service(s, c, key, 'init');
      if (i > 0)
        services[key]!.depends_on = {
          [`${s.name}-init-${s.initContainers[i - 1]!.name}`]: {
            condition: 'service_completed_successfully',
          },
        };
      return key;
    });
    services[s.name] = service(s, main!, s.name, s.kind === 'Job' ? 'job' : 'main');
    if (s.kind !== 'Job' && s.replicas > 1) services[s.name]!.deploy = { replicas: s.replicas };
    for (const c of sidecars)
      services[`${s.name}-${c.name}`] = {
        ...service(s, c, `${s.name}-${c.name}`, 'sidecar'),
        depends_on: { [s.name]: { condition: 'service_started' } },
      };
    const deps: Record<string, { condition: string }> = {};
    const last = inits[inits.length - 1];
    if (last) deps[last] = { condition: 'service_completed_successfully' };
    for (const other of plan.services.filter((o) => PREVIOUS[s.phase].includes(o.phase) && o.replicas > 0))
      deps[other.name] = {
        condition: completes.has(other.name)
          ? 'service_completed_successfully'
          : healthy.has(other.name)
            ? 'service_healthy'
            : 'service_started',
      };
    // The first init container waits for the same services as the pod.
    const target = inits[0] ? services[inits[0]]! : services[s.name]!;
    const own = (target.depends_on as Record<string, unknown> | undefined) ?? {};
    if (Object.keys(deps).length > 0) {
      if (inits[0]) {
        const { [last!]: _skip, ...rest } = deps;
        target.depends_on = { ...own, ...rest };
        services[s.name]!.depends_on = { [last!]: deps[last!]! };
      } else target.depends_on = { ...own, ...deps };
    }
  }

  let prepareScript: string | undefined;
  if (prepared.size > 0) {
    const prepare = prepareService(
      plan,
      options,
      vars,
      { secretFolders, scratch: [...scratch].sort(), grouped },
      commonLabels,
    );
    prepareScript = prepare.script;
    for (const key of prepared)
      services[key]!.depends_on = {
        [PREPARE_SERVICE]: { condition: 'service_completed_successfully' },
        ...(services[key]!.depends_on as object | undefined),
      };
    services[PREPARE_SERVICE] = prepare.service;
    for (const v of [...secretFolders.keys(), ...scratch]) addVolume(v);
  }
  const sortedVolumes = Object.fromEntries(Object.entries(volumes).sort(([a], [b]) => a.localeCompare(b)));
  const document: ExportDocument = {
    compose: {
      services,
      networks: { omrs: { name: networkName(plan.env), labels: commonLabels } },
      ...(Object.keys(sortedVolumes).length > 0 && { volumes: sortedVolumes }),
    },
    envFiles,
    files: plan.files.filter((f) => !f.secret),
    ...(prepareScript !== undefined && { prepareScript }),
    secrets: vars.secrets,
    defaults: vars.defaults,
  };
  assertNoSecret(document);
  return document;
}

/** The one-shot service that writes the Secret files and opens the emptyDir volumes. */
function prepareService(
  plan: ComposePlan,
  options: DocumentOptions,
  vars: Variables,
  {
    secretFolders,
    scratch,
    grouped,
  }: {
    secretFolders: Map<string, { target: string; files: FilePlan[] }>;
    scratch: string[];
    grouped: Map<string, number>;
  },
  labels: Record<string, string>,
): { service: ComposeService; script: string } {
  const environment: Record<string, string> = {};
  const lines = [
    '#!/bin/sh',
    '# Written by `omrs compose export`: run by the prepare service (root, no network) before the others.',
    '# Writes each Secret key from its variable (set in .env) as a file 0600 owned by the pod user, in a',
    '# folder 0700, makes the emptyDir volumes writable for every user (0777, like the kubelet), and',
    '# gives the volumes of pods with an fsGroup to that group when their root is not in it yet.',
    'set -eu',
    'umask 077',
    '# put <file> <owner> <mode> <variable>',
    'put() { printf \'%s\' "$(printenv "$4")" >"$1.tmp" && chmod "$3" "$1.tmp" && chown "$2" "$1.tmp" && mv -f "$1.tmp" "$1"; }',
  ];
  const mounts: Record<string, unknown>[] = [
    {
      type: 'bind',
      source: `${options.configDir}/prepare.sh`,
      target: `${PREPARE_ROOT}/prepare.sh`,
      read_only: true,
    },
  ];
  for (const [volume, folder] of [...secretFolders].sort(([a], [b]) => a.localeCompare(b))) {
    mounts.push({ type: 'volume', source: volume, target: folder.target, volume: { nocopy: true } });
    const first = folder.files[0]!;
    const owner = `${first.uid ?? 0}:${first.gid ?? first.uid ?? 0}`;
    lines.push(`chmod 0700 ${folder.target}`);
    for (const f of folder.files) {
      const variable = vars.variable(f.secret!.name, f.secret!.key, f.content.toString('utf8'));
      environment[variable] = vars.expression(variable);
      const path = `${folder.target}/${f.path}`;
      if (f.path.includes('/')) lines.push(`mkdir -p ${path.slice(0, path.lastIndexOf('/'))}`);
      lines.push(
        `put ${path} ${f.uid ?? 0}:${f.gid ?? f.uid ?? 0} ${(f.mode & 0o777).toString(8).padStart(4, '0')} ${variable}`,
      );
    }
    lines.push(`chown ${owner} ${folder.target}`);
  }
  for (const volume of scratch) {
    mounts.push({
      type: 'volume',
      source: volume,
      target: `${PREPARE_ROOT}/${volume}`,
      volume: { nocopy: true },
    });
    lines.push(`chmod 0777 ${PREPARE_ROOT}/${volume}`);
  }
  for (const [volume, gid] of [...grouped].sort(([a], [b]) => a.localeCompare(b))) {
    const path = `${PREPARE_ROOT}/${volume}`;
    mounts.push({ type: 'volume', source: volume, target: path, volume: { nocopy: true } });
    lines.push(`[ "$(stat -c %g ${path})" = ${gid} ] || { chgrp ${gid} ${path} && chmod g+rwxs ${path}; }`);
  }
  // Any image with a POSIX shell, chown and printenv does; the database's is there anyway.
  const { image, pullPolicy } = (plan.services.find((s) => s.phase === 'database') ?? plan.services[0])!
    .containers[0]!;
  const pull = PULL[pullPolicy];
  const service: ComposeService = {
    image,
    ...(pull && { pull_policy: pull }),
    container_name: `omrs-${plan.env}-${PREPARE_SERVICE}`,
    labels: { ...labels, [LABEL.service]: PREPARE_SERVICE, [LABEL.role]: 'init' },
    entrypoint: ['/bin/sh', `${PREPARE_ROOT}/prepare.sh`],
    user: '0:0',
    ...(Object.keys(environment).length > 0 && {
      environment: Object.fromEntries(Object.entries(environment).sort(([a], [b]) => a.localeCompare(b))),
    }),
    read_only: true,
    network_mode: 'none',
    cap_drop: ['ALL'],
    cap_add: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', ...(grouped.size > 0 ? ['FSETID'] : [])],
    security_opt: ['no-new-privileges:true'],
    volumes: mounts,
    restart: 'no',
  };
  return { service, script: lines.join('\n') + '\n' };
}

/** The last guard: no value of a secret key in anything the export writes beside `.env`. */
function assertNoSecret(document: ExportDocument): void {
  const values = Object.values(document.secrets).filter((v) => v.length >= 6);
  const outputs: [string, string][] = [
    ['the compose file', JSON.stringify(document.compose)],
    ...Object.entries(document.envFiles).map(([k, v]): [string, string] => [`${k}.env`, v]),
    ...document.files.map((f): [string, string] => [`files/${f.path}`, f.content.toString('utf8')]),
    ...(document.prepareScript ? [['prepare.sh', document.prepareScript] as [string, string]] : []),
  ];
  for (const [where, text] of outputs)
    if (values.some((v) => text.includes(v)))
      throw new OmrsError({
        code: 'COMPOSE_EXPORT_SECRET',
        message: `The export would write the value of a Secret into ${where}: the chart puts it into a value that is not a Secret reference.`,
        hint: 'Make the chart take the value from the Secret (secretKeyRef, a Secret volume); `omrs up` runs the profile without writing it down.',
      });
}
