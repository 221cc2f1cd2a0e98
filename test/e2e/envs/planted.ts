// Shared by the disposable-environment tests: names of the environments a test plants with a
// broken expiry, what `env ls --json` answers about one, and removal of whatever Docker objects
// carry an environment's label (cleanup after a test, whatever state it stopped in).
import type Docker from 'dockerode';

/** Unique per run, DNS-safe, at most 30 characters. */
export const plantedNames = (tag: string) => ({
  absurd: `badttl-${tag}-absurd`,
  word: `badttl-${tag}-word`,
  missing: `badttl-${tag}-missing`,
  expired: `badttl-${tag}-expired`,
  live: `badttl-${tag}-live`,
  other: `badttl-${tag}-other`,
});

export interface ListedEnv {
  name: string;
  runtime: string;
  state: string;
  url: string;
  expires: string | null;
  expiresInSeconds: number | null;
  problem?: string;
}

/** What an `env gc --json` answer removed and skipped among `mine` (names, sorted). */
export function gcPlanOf(stdout: string, mine: Set<string>): { removed: string[]; skipped: string[] } {
  const plan = JSON.parse(stdout) as { removed: { name: string }[]; skipped: { name: string }[] };
  const own = (list: { name: string }[]) =>
    list
      .map((e) => e.name)
      .filter((n) => mine.has(n))
      .sort();
  return { removed: own(plan.removed), skipped: own(plan.skipped) };
}

/** Removes the containers (with their anonymous volumes), networks and volumes labelled with the env. */
export async function removeDockerEnv(docker: Docker, name: string): Promise<void> {
  const filters = { label: [`omrs.dev/env=${name}`] };
  const ignore = () => undefined;
  for (const c of await docker.listContainers({ all: true, filters }))
    await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(ignore);
  for (const n of await docker.listNetworks({ filters }))
    await docker.getNetwork(n.Id).remove().catch(ignore);
  for (const v of (await docker.listVolumes({ filters })).Volumes ?? [])
    await docker.getVolume(v.Name).remove().catch(ignore);
}
