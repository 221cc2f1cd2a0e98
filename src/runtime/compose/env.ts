// A container's environment as the kubelet builds it: envFrom first, then env in order, with
// valueFrom resolved against the rendered Secrets and ConfigMaps and $(VAR) references expanded.
import { OmrsError } from '../../errors.js';
import type { Container } from '../../render/kube-spec.js';

export interface EnvLookup {
  id: string;
  podName: string;
  namespace: string;
  secrets: Map<string, Record<string, string>>;
  configMaps: Map<string, Record<string, string>>;
}

export interface ResolvedEnv {
  env: Record<string, string>;
  /** For every variable that came from a Secret: where it came from ("Secret/x key y"). */
  sources: Record<string, string>;
  /** Expands $(VAR) in a command or argument the way Kubernetes does. */
  expand: (text: string) => string;
}

const FIELDS: Record<string, (l: EnvLookup) => string> = {
  'metadata.name': (l) => l.podName,
  'metadata.namespace': (l) => l.namespace,
  'spec.nodeName': () => 'localhost',
  'spec.serviceAccountName': () => 'default',
};

export function expandVars(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) =>
    match === '$$' ? '$' : name !== undefined && name in env ? env[name]! : match,
  );
}

export function resolveEnv(c: Container, l: EnvLookup): ResolvedEnv {
  const env: Record<string, string> = {};
  const sources: Record<string, string> = {};
  const fail = (what: string): never => {
    throw new OmrsError({
      code: 'COMPOSE_MISSING_REFERENCE',
      message: `${l.id}: ${what}, which the chart did not render.`,
      hint: 'On compose every Secret and ConfigMap must come from the profile: set the value in the profile instead of a reference to an existing cluster object.',
    });
  };
  for (const from of c.envFrom ?? []) {
    const ref = from.secretRef ?? from.configMapRef;
    if (!ref) continue;
    const kind = from.secretRef ? 'Secret' : 'ConfigMap';
    const data = (from.secretRef ? l.secrets : l.configMaps).get(ref.name);
    if (!data) {
      if (ref.optional) continue;
      fail(`envFrom uses ${kind} "${ref.name}"`);
    }
    for (const [k, v] of Object.entries(data!)) {
      const name = `${from.prefix ?? ''}${k}`;
      env[name] = v;
      if (kind === 'Secret') sources[name] = `Secret/${ref.name} key ${k}`;
      else delete sources[name];
    }
  }
  for (const e of c.env ?? []) {
    const vf = e.valueFrom;
    if (!vf) {
      env[e.name] = expandVars(e.value ?? '', env);
      delete sources[e.name];
      continue;
    }
    const keyRef = vf.secretKeyRef ?? vf.configMapKeyRef;
    if (keyRef) {
      const kind = vf.secretKeyRef ? 'Secret' : 'ConfigMap';
      const value = (vf.secretKeyRef ? l.secrets : l.configMaps).get(keyRef.name)?.[keyRef.key];
      if (value === undefined) {
        if (keyRef.optional) continue;
        fail(`env ${e.name} uses ${kind} "${keyRef.name}" key "${keyRef.key}"`);
      }
      env[e.name] = value!;
      if (kind === 'Secret') sources[e.name] = `Secret/${keyRef.name} key ${keyRef.key}`;
      else delete sources[e.name];
    } else if (vf.fieldRef) {
      const field = FIELDS[vf.fieldRef.fieldPath];
      if (!field)
        throw new OmrsError({
          code: 'COMPOSE_UNSUPPORTED',
          message: `The compose runtime cannot express ${l.id}: env ${e.name} uses fieldRef ${vf.fieldRef.fieldPath}.`,
          hint: `Supported on compose: ${Object.keys(FIELDS).join(', ')}.`,
        });
      env[e.name] = field(l);
    } else {
      throw new OmrsError({
        code: 'COMPOSE_UNSUPPORTED',
        message: `The compose runtime cannot express ${l.id}: env ${e.name} uses ${Object.keys(vf).join(', ')}.`,
      });
    }
  }
  return { env, sources, expand: (text) => expandVars(text, env) };
}
