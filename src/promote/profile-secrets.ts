// The Secrets a profile names (admin.passwordSecretRef, database.external.secretRef) are created
// once by the operator, in the environment's base namespace. Pods read Secrets of their own
// namespace only, so each colour gets a copy before helm installs it; a missing one is refused
// before anything changes. Values are never printed.
import type * as k8s from '@kubernetes/client-node';
import { ExitCode, OmrsError } from '../errors.js';
import type { Profile } from '../profile/schema.js';
import { apiError, isConflict, isNotFound, type KubeClient } from '../runtime/kube/client.js';

export interface SecretRef {
  name: string;
  key: string;
  /** The profile key that names it. */
  from: string;
}

export function profileSecrets(profile: Profile): SecretRef[] {
  const refs: SecretRef[] = [];
  if (profile.admin.passwordSecretRef)
    refs.push({ ...profile.admin.passwordSecretRef, from: 'admin.passwordSecretRef' });
  if (profile.database.mode === 'external' && profile.database.external?.secretRef)
    refs.push({ ...profile.database.external.secretRef, from: 'database.external.secretRef' });
  return refs;
}

async function readSecret(
  client: KubeClient,
  name: string,
  namespace: string,
): Promise<k8s.V1Secret | undefined> {
  try {
    return await client.core.readNamespacedSecret({ name, namespace });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw apiError(error, `read secret ${name} in ${namespace}`, client.context);
  }
}

/** Refuses (read-only) when a Secret the profile names, or its key, is not in the base namespace. */
export async function requireSecrets(client: KubeClient, ns: string, refs: SecretRef[]): Promise<void> {
  const problems: { code: string; message: string }[] = [];
  for (const ref of refs) {
    const secret = await readSecret(client, ref.name, ns);
    if (!secret)
      problems.push({ code: 'missing', message: `${ref.from}: Secret ${ref.name} is not in ${ns}` });
    else if (!secret.data?.[ref.key])
      problems.push({
        code: 'missing',
        message: `${ref.from}: Secret ${ref.name} in ${ns} has no key ${ref.key}`,
      });
  }
  if (problems.length)
    throw new OmrsError({
      code: 'PROMOTE_SECRET_MISSING',
      message: `the profile names Secrets the environment's namespace ${ns} lacks; nothing was changed`,
      exitCode: ExitCode.prerequisite,
      problems,
      hint: `Create them once in ${ns} (kubectl -n ${ns} create secret generic <name> --from-literal=<key>=…); promote copies them into each colour.`,
    });
}

/** Copies the named Secrets from the base namespace into a colour's, replacing older copies. */
export async function copySecrets(
  client: KubeClient,
  ns: string,
  colourNs: string,
  refs: SecretRef[],
  labels: Record<string, string>,
): Promise<void> {
  await requireSecrets(client, ns, refs);
  for (const name of new Set(refs.map((r) => r.name))) {
    const source = (await readSecret(client, name, ns))!;
    for (let attempt = 0; ; attempt++) {
      const existing = await readSecret(client, name, colourNs);
      const body: k8s.V1Secret = {
        metadata: {
          name,
          namespace: colourNs,
          labels: { ...labels, 'omrs.dev/copied-from': ns },
          ...(existing?.metadata?.resourceVersion && { resourceVersion: existing.metadata.resourceVersion }),
        },
        type: source.type ?? 'Opaque',
        data: source.data ?? {},
      };
      try {
        if (existing) await client.core.replaceNamespacedSecret({ name, namespace: colourNs, body });
        else await client.core.createNamespacedSecret({ namespace: colourNs, body });
        break;
      } catch (error) {
        if (isConflict(error) && attempt < 5) continue;
        throw apiError(error, `write secret ${name} in ${colourNs}`, client.context);
      }
    }
  }
}
