// The project's omrs settings, found with cosmiconfig: omrs.config.*, .omrsrc*, package.json#omrs.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { packageRoot } from '../package-info.js';
import { z } from 'zod';
import { ExitCode, OmrsError } from '../errors.js';
import { RUNTIMES } from './runtimes.js';

const ConfigSchema = z.strictObject({
  profilesDir: z.string().default('profiles'),
  defaultProfile: z.string().default('dev'),
  defaultRuntime: z.enum(RUNTIMES).optional(),
});

export interface ProjectConfig {
  /** Folder the config was found in (the project root), or cwd when there is none. */
  root: string;
  configFile?: string;
  profilesDir: string;
  defaultProfile: string;
  defaultRuntime?: (typeof RUNTIMES)[number];
}

const SEARCH_PLACES = [
  'package.json',
  '.omrsrc',
  '.omrsrc.json',
  '.omrsrc.yaml',
  '.omrsrc.yml',
  '.omrsrc.js',
  '.omrsrc.mjs',
  'omrs.config.yaml',
  'omrs.config.yml',
  'omrs.config.json',
  'omrs.config.js',
  'omrs.config.mjs',
  'omrs.config.ts',
];

export async function loadProjectConfig(cwd: string): Promise<ProjectConfig> {
  const { cosmiconfig } = await import('cosmiconfig');
  let found: { config: unknown; filepath: string; isEmpty?: boolean } | null;
  try {
    found = await cosmiconfig('omrs', { searchPlaces: SEARCH_PLACES, searchStrategy: 'project' }).search(cwd);
  } catch (error) {
    throw new OmrsError({
      code: 'CONFIG_INVALID',
      message: `cannot read the omrs project config: ${(error as Error).message.split('\n')[0]}`,
      exitCode: ExitCode.usage,
      hint: 'Fix the file named above (omrs.config.* or .omrsrc*), or remove it to use the defaults.',
    });
  }
  if (!found) return defaults(cwd);
  const parsed = ConfigSchema.safeParse(found.config ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new OmrsError({
      code: 'CONFIG_INVALID',
      message: `${found.filepath}: ${issue.path.join('.') || 'config'}: ${issue.message}`,
      exitCode: ExitCode.usage,
      hint: 'Allowed keys: profilesDir, defaultProfile, defaultRuntime.',
    });
  }
  const root = dirname(found.filepath);
  return {
    root,
    configFile: found.filepath,
    ...parsed.data,
    profilesDir: resolve(root, parsed.data.profilesDir),
  };
}

/** Without a config: ./profiles when it exists, else the profiles shipped with omrs. */
function defaults(cwd: string): ProjectConfig {
  const local = resolve(cwd, 'profiles');
  return {
    root: cwd,
    profilesDir: existsSync(local) ? local : resolve(packageRoot(), 'profiles'),
    defaultProfile: 'dev',
  };
}
