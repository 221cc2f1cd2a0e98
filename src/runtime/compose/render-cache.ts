// The chart objects of an env, rendered with the render layer's own pieces (profileToValues,
// helm template) and cached in the env's folder (0600: Secrets are in it), keyed by the values,
// the chart's files and the helm binary. `helm template` costs about half a second; a no-op
// `omrs up` must answer in less than a second.
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { canonicalJson } from '../../profile/digest.js';
import type { Profile } from '../../profile/schema.js';
import { chartDir, findHelm, helmTemplate } from '../../render/helm.js';
import type { RawObject } from '../../render/kube-spec.js';
import { profileToValues } from '../../render/values.js';

export interface RenderInput {
  profile: Profile;
  profileName: string;
  appDigest: string;
  env: string;
  passwordSeed: string;
  /** The env's folder (the cache lives there). */
  envDir: string;
  /** A shipper feeds the chart's log store (`up`), so the chart runs one when the profile asks. */
  shipsLogs: boolean;
}

async function dirDigest(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (d: string): Promise<void> => {
    const entries = (await readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const path = join(d, e.name);
      if (e.isDirectory()) await walk(path);
      else if (e.isFile())
        hash
          .update(relative(dir, path))
          .update('\0')
          .update(await readFile(path))
          .update('\0');
    }
  };
  await walk(dir);
  return hash.digest('hex');
}

export async function renderObjects(
  input: RenderInput,
  deps: { env: Record<string, string | undefined>; signal?: AbortSignal },
): Promise<RawObject[]> {
  const namespace = input.profile.cluster.namespace ?? input.env;
  const values = profileToValues(input.profile, {
    env: input.env,
    profile: input.profileName,
    appDigest: input.appDigest,
    passwordSeed: input.passwordSeed,
    shipsLogs: input.shipsLogs,
    publishesGateway: true,
  });
  const helm = await findHelm(deps.env);
  const chart = chartDir();
  const key = createHash('sha256')
    .update(canonicalJson({ values, namespace, release: input.env, helm, chart: await dirDigest(chart) }))
    .digest('hex');
  const file = join(input.envDir, 'rendered.json');
  try {
    const cached = JSON.parse(await readFile(file, 'utf8')) as { key: string; objects: RawObject[] };
    if (cached.key === key) return cached.objects;
  } catch {
    // no cache yet, or an unreadable one: render
  }
  const objects = (
    await helmTemplate(values, {
      helm,
      release: input.env,
      namespace,
      env: deps.env,
      ...(deps.signal && { signal: deps.signal }),
    })
  ).map((o) => o.raw as unknown as RawObject);
  await mkdir(input.envDir, { recursive: true, mode: 0o700 });
  await writeFile(file, JSON.stringify({ key, objects }), { mode: 0o600 });
  return objects;
}
