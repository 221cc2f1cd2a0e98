// Which environment a compose command acts on.
import { openProfile, type ProfileDeps } from '../../profile/index.js';
import { envNameOf } from '../../render/env-name.js';

/** The env a command acts on: --env, else the profile's default env. */
export async function envNameFor(
  request: { profile?: string | undefined; env?: string | undefined },
  deps: ProfileDeps,
): Promise<string> {
  if (request.env) return request.env;
  return envNameOf((await openProfile(request.profile, deps)).name);
}
