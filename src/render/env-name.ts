// Environment names: the one rule every runtime, render and promote share. An environment name
// prefixes every object name (containers, volumes, namespaces, Helm releases), so it must be
// DNS-safe and short.
import { ExitCode, OmrsError } from '../errors.js';

const ENV_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const MAX_LENGTH = 30;

export function checkEnvName(env: string): string {
  if (!ENV_NAME.test(env) || env.length > MAX_LENGTH)
    throw new OmrsError({
      code: 'RENDER_BAD_ENV_NAME',
      message: `environment name "${env}" is not DNS-safe`,
      exitCode: ExitCode.usage,
      hint: `Use at most ${MAX_LENGTH} lower-case letters, digits and "-", starting with a letter: it prefixes every object name.`,
    });
  return env;
}

/** The namespace an environment runs in on a cluster when the profile names none. */
export const namespaceFor = (env: string): string => `omrs-${env}`;

/** The environment a profile runs as when none is named: its name made DNS-safe (`qa_eu` → `qa-eu`). */
export const envNameOf = (profileName: string): string =>
  profileName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, MAX_LENGTH)
    .replace(/^[^a-z]+|-+$/g, '') || 'omrs';
