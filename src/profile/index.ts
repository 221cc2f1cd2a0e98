// Profile use cases, as the CLI and the other layers call them.
import { appDigest } from './digest.js';
import { diffProfiles, type ProfileDiff } from './diff.js';
import { loadProfile, type ResolvedProfile } from './load.js';
import type { Profile } from './schema.js';
import { maskSecrets } from './show.js';
import { loadProjectConfig, type ProjectConfig } from './project-config.js';

export interface ProfileDeps {
  cwd: string;
  env: Record<string, string | undefined>;
  /** A profile this request has opened already: openProfile of the same ref returns it, unread. */
  opened?: OpenedProfile;
}

/** A profile as openProfile returns it: resolved, with the project config it was resolved under. */
export type OpenedProfile = ResolvedProfile & { config: ProjectConfig };

/** The ref each opened profile was opened with, so that only the same ref reuses it. */
const openedWith = new WeakMap<OpenedProfile, { ref: string | undefined }>();

export async function openProfile(ref: string | undefined, deps: ProfileDeps): Promise<OpenedProfile> {
  if (deps.opened && openedWith.get(deps.opened)?.ref === ref) return deps.opened;
  const config = await loadProjectConfig(deps.cwd);
  const opened = { ...loadProfile(ref, { config, env: deps.env, cwd: deps.cwd }), config };
  openedWith.set(opened, { ref });
  return opened;
}

export interface ValidationReport {
  name: string;
  file: string;
  chain: string[];
  runtime: string;
  appDigest: string;
}

export async function validateProfile(ref: string | undefined, deps: ProfileDeps): Promise<ValidationReport> {
  const resolved = await openProfile(ref, deps);
  return {
    name: resolved.name,
    file: resolved.file,
    chain: resolved.chain,
    runtime: resolved.profile.runtime,
    appDigest: appDigest(resolved.profile),
  };
}

export interface DiffReport extends ProfileDiff {
  a: { name: string; appDigest: string };
  b: { name: string; appDigest: string };
  identicalApp: boolean;
}

export async function compareProfiles(a: string, b: string, deps: ProfileDeps): Promise<DiffReport> {
  const [left, right] = [await openProfile(a, deps), await openProfile(b, deps)];
  // Diff the masked copies so that no secret is ever printed; digests use the real values.
  const diff = diffProfiles(maskSecrets(left) as Profile, maskSecrets(right) as Profile);
  const da = appDigest(left.profile);
  const db = appDigest(right.profile);
  return {
    a: { name: left.name, appDigest: da },
    b: { name: right.name, appDigest: db },
    ...diff,
    identicalApp: da === db,
  };
}

export type { ResolvedProfile } from './load.js';
