// Resolves a profile by name or path: follows `extends`, interpolates, merges, validates.
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { ExitCode, OmrsError, type Problem, type SourceLocation } from '../errors.js';
import { errorCodeOr } from '../error-codes.js';
import { interpolate } from './interpolate.js';
import { mergeLayers, type Layer, type Merged } from './merge.js';
import type { ProjectConfig } from './project-config.js';
import { LOADER_KEYS, ProfileSchema, TOP_LEVEL_KEYS, type Profile } from './schema.js';
import { pathKey, profileError, readProfileSource } from './source.js';
import { issuesToProblems, suggest } from './validate.js';

const MAX_EXTENDS_DEPTH = 32;

export interface ResolvedProfile {
  name: string;
  file: string;
  /** Files from the root ancestor to this profile. */
  chain: string[];
  profile: Profile;
  merged: Merged;
}

export interface LoadOptions {
  config: Pick<ProjectConfig, 'profilesDir' | 'defaultProfile'>;
  env: Record<string, string | undefined>;
  cwd: string;
}

const looksLikePath = (ref: string): boolean =>
  ref.includes('/') || ref.includes('\\') || /\.ya?ml$/.test(ref);

export function profileFile(ref: string, folder: string, cwd: string): string {
  if (looksLikePath(ref)) return isAbsolute(ref) ? ref : resolve(cwd, ref);
  const yml = join(folder, `${ref}.yml`);
  return existsSync(yml) && !existsSync(join(folder, `${ref}.yaml`)) ? yml : join(folder, `${ref}.yaml`);
}

export function listProfiles(folder: string): string[] {
  try {
    return readdirSync(folder)
      .filter((f) => /\.ya?ml$/.test(f) && !f.endsWith('.lock.yaml'))
      .map((f) => basename(f, extname(f)))
      .sort();
  } catch {
    return [];
  }
}

export function loadProfile(ref: string | undefined, options: LoadOptions): ResolvedProfile {
  const name = ref ?? options.config.defaultProfile;
  const file = profileFile(name, options.config.profilesDir, options.cwd);
  if (!looksLikePath(name) && !existsSync(file)) {
    const available = listProfiles(options.config.profilesDir);
    const guess = suggest(name, available);
    throw new OmrsError({
      code: 'PROFILE_NOT_FOUND',
      message: `no profile named "${name}" in ${options.config.profilesDir}`,
      exitCode: ExitCode.usage,
      hint: guess
        ? `Did you mean "${guess}"?`
        : available.length
          ? `Available profiles: ${listSome(available)}.`
          : 'Create profiles/<name>.yaml, or pass a path to a YAML file.',
    });
  }

  const chain: string[] = [];
  const layers: Layer[] = [];
  collect(file, [], undefined, options.env, chain, layers);
  const merged = mergeLayers(layers);

  const parsed = ProfileSchema.safeParse(merged.value);
  if (!parsed.success) {
    const problems = issuesToProblems(parsed.error.issues, merged);
    throw new OmrsError({
      code: errorCodeOr(problems[0]?.code, 'PROFILE_INVALID'),
      message: `profile "${basename(file, extname(file))}" is not valid (${problems.length} problem${problems.length === 1 ? '' : 's'})`,
      exitCode: ExitCode.usage,
      problems,
    });
  }
  return { name: basename(file, extname(file)), file, chain, profile: parsed.data, merged };
}

function collect(
  file: string,
  stack: string[],
  referencedFrom: SourceLocation | undefined,
  env: LoadOptions['env'],
  chain: string[],
  layers: Layer[],
): void {
  if (stack.includes(file)) {
    const cycle = [...stack.slice(stack.indexOf(file)), file].map((f) => basename(f)).join(' → ');
    throw profileError(
      {
        code: 'PROFILE_EXTENDS_CYCLE',
        message: `profiles extend each other in a cycle: ${cycle}`,
        ...(referencedFrom && { location: referencedFrom }),
        path: ['extends'],
      },
      'Remove one `extends` so that the chain ends at a profile that extends nothing (usually base).',
    );
  }
  if (stack.length >= MAX_EXTENDS_DEPTH) {
    throw profileError({
      code: 'PROFILE_EXTENDS_INVALID',
      message: `the extends chain is deeper than ${MAX_EXTENDS_DEPTH} profiles`,
      ...(referencedFrom && { location: referencedFrom }),
    });
  }
  const source = readProfileSource(file, referencedFrom);
  assertLooksLikeProfile(source.value, file, referencedFrom);
  const { extends: parents, ...own } = source.value;
  const extendsPosition = source.positions.get(pathKey(['extends']));

  for (const [index, parent] of parentList(parents, extendsPosition?.value ?? { file }).entries()) {
    const parentLocation = source.positions.get(pathKey(['extends', index]))?.value ??
      extendsPosition?.value ?? { file };
    const parentFile = profileFile(parent, dirname(file), dirname(file));
    if (!existsSync(parentFile)) {
      const available = listProfiles(dirname(file));
      const guess = suggest(parent, available);
      throw profileError(
        {
          code: 'PROFILE_EXTENDS_NOT_FOUND',
          message: `"${parent}" (in extends) does not exist: looked for ${parentFile}`,
          location: parentLocation,
          path: ['extends'],
        },
        guess
          ? `Did you mean "${guess}"?`
          : available.length
            ? `Profiles in that folder: ${listSome(available)}.`
            : undefined,
      );
    }
    collect(parentFile, [...stack, file], parentLocation, env, chain, layers);
  }

  const locate = (path: (string | number)[]) => source.positions.get(pathKey(path))?.value;
  const { value, secretPaths, interpolated } = interpolate(own, env, locate);
  chain.push(file);
  layers.push({
    value: value as Record<string, unknown>,
    positions: source.positions,
    secretPaths,
    interpolated,
  });
}

const PROFILE_KEYS = [...LOADER_KEYS, ...TOP_LEVEL_KEYS];

/**
 * A YAML map none of whose keys is (or is close to) a profile key is some other file (a
 * kubeconfig, a Secret manifest): it is refused without a frame, which would quote its lines.
 */
function assertLooksLikeProfile(
  value: Record<string, unknown>,
  file: string,
  referencedFrom: SourceLocation | undefined,
): void {
  const keys = Object.keys(value);
  if (keys.length === 0 || keys.some((key) => suggest(key, PROFILE_KEYS) !== undefined)) return;
  throw profileError(
    {
      code: 'PROFILE_NOT_A_PROFILE',
      message: `${file} is not a profile: none of its ${keys.length} top-level key(s) is a profile key`,
      location: referencedFrom ?? { file },
      expected: `a map with profile keys, e.g. extends, ${TOP_LEVEL_KEYS.slice(0, 4).join(', ')}`,
    },
    'Check that this is the profile you meant; `omrs profile schema` lists the keys a profile has.',
  );
}

function parentList(parents: unknown, location: SourceLocation): string[] {
  if (parents === undefined || parents === null) return [];
  const list = Array.isArray(parents) ? parents : [parents];
  const bad = list.find((p) => typeof p !== 'string' || p.trim() === '');
  if (bad !== undefined || list.length === 0) {
    const problem: Problem = {
      code: 'PROFILE_EXTENDS_INVALID',
      message: `extends must name a profile, got ${JSON.stringify(parents)}`,
      location,
      path: ['extends'],
      expected: 'a profile name (e.g. base), a relative path to a YAML file, or a list of those',
    };
    throw profileError(problem);
  }
  return list as string[];
}

const listSome = (names: string[], max = 8): string =>
  names.length > max ? `${names.slice(0, max).join(', ')}, … (${names.length} in all)` : names.join(', ');
