// The env's folder on the host: $OMRS_HOME/envs/<env> (default ~/.local/state/omrs/envs/<env>).
// It holds the files bind-mounted into containers (Secrets 0600, ConfigMaps) and the seed of the
// generated database passwords, so that every `helm template` of the env renders the same ones.
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { FilePlan } from './plan.js';

export function stateHome(env: Record<string, string | undefined>): string {
  if (env.OMRS_HOME) return env.OMRS_HOME;
  const base = env.XDG_STATE_HOME ?? join(env.HOME ?? homedir(), '.local', 'state');
  return join(base, 'omrs');
}

export const envDir = (env: Record<string, string | undefined>, name: string): string =>
  join(stateHome(env), 'envs', name);
const filesDir = (env: Record<string, string | undefined>, name: string): string =>
  join(envDir(env, name), 'files');

/** The env's password seed, created once (0600). */
export async function passwordSeed(env: Record<string, string | undefined>, name: string): Promise<string> {
  const file = join(envDir(env, name), 'password-seed');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const seed = randomBytes(24).toString('hex');
    await writeFile(file, seed + '\n', { mode: 0o600, flag: 'wx' }).catch(async () => undefined);
    return (await readFile(file, 'utf8')).trim();
  }
}

/**
 * Writes the planned files (only those whose content or mode changed) and removes files of the
 * folder that the plan no longer has. Owners follow the pod's runAsUser / fsGroup when omrs may
 * set them (it runs as root); otherwise the files stay the caller's.
 */
export async function writeFiles(root: string, files: FilePlan[]): Promise<void> {
  await mkdir(root, { recursive: true, mode: 0o755 });
  const wanted = new Set(files.map((f) => join(root, f.path)));
  for (const f of files) {
    const path = join(root, f.path);
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    const current = await readFile(path).catch(() => undefined);
    if (!current || !current.equals(f.content)) await writeFile(path, f.content, { mode: f.mode });
    await chmod(path, f.mode);
    if (f.uid !== undefined || f.gid !== undefined)
      await chown(path, f.uid ?? 0, f.gid ?? 0).catch(() => undefined);
  }
  for (const path of await listFiles(root)) if (!wanted.has(path)) await rm(path, { force: true });
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else out.push(path);
  }
  return out;
}

export async function removeEnvDir(
  env: Record<string, string | undefined>,
  name: string,
  keepSeed: boolean,
): Promise<void> {
  const dir = envDir(env, name);
  if (!keepSeed) {
    await rm(dir, { recursive: true, force: true });
    return;
  }
  await rm(filesDir(env, name), { recursive: true, force: true });
  await rm(join(dir, 'scratch'), { recursive: true, force: true });
}
