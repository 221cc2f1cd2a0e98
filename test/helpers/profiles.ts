// A throwaway project folder with real profile files: the repository's profiles/ (when present)
// plus a minimal valid one and an invalid one, for tests that list, load and show profiles.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO_PROFILES = join(import.meta.dirname, '../../profiles');

export interface ProfilesProject {
  root: string;
  profilesDir: string;
  /** Profile names in the folder, sorted as omrs lists them. */
  names: string[];
  remove(): void;
}

export function makeProfilesProject(extra: Record<string, string> = {}): ProfilesProject {
  const root = mkdtempSync(join(tmpdir(), 'omrs-profiles-'));
  const profilesDir = join(root, 'profiles');
  mkdirSync(profilesDir);
  if (existsSync(REPO_PROFILES)) {
    for (const file of readdirSync(REPO_PROFILES).filter((f) => /\.ya?ml$/.test(f)))
      copyFileSync(join(REPO_PROFILES, file), join(profilesDir, file));
  }
  const files: Record<string, string> = {
    'local.yaml': 'runtime: compose\n',
    'broken.yaml': 'runtime: docker-swarm\n',
    ...(existsSync(join(profilesDir, 'dev.yaml')) ? {} : { 'dev.yaml': 'runtime: compose\n' }),
    ...extra,
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(profilesDir, name), text);
  const names = readdirSync(profilesDir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => f.replace(/\.ya?ml$/, ''))
    .sort();
  return { root, profilesDir, names, remove: () => rmSync(root, { recursive: true, force: true }) };
}
