// openProfile reuses the profile a request has opened already (ProfileDeps.opened), for the same
// ref only: a command that chose its runtime from the profile does not read it a second time.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openProfile } from '../../../src/profile/index.js';
import { makeProfilesProject } from '../../helpers/profiles.js';

describe('openProfile with an opened profile', () => {
  const project = makeProfilesProject();
  const deps = { cwd: project.root, env: {} };
  afterAll(() => project.remove());

  it('returns the opened profile for the same ref without reading the files again', async () => {
    const opened = await openProfile('dev', deps);
    // Changed on disk: a second read would see it; the request keeps what it opened.
    const file = join(project.root, 'profiles', 'dev.yaml');
    writeFileSync(file, 'extends: base\ndescription: changed\n');
    expect(await openProfile('dev', { ...deps, opened })).toBe(opened);
    expect((await openProfile('dev', deps)).profile.description).toBe('changed');
  });

  it('reads another ref, and the default ref, afresh', async () => {
    const opened = await openProfile('qa', deps);
    expect((await openProfile('prod', { ...deps, opened })).name).toBe('prod');
    expect(await openProfile(undefined, { ...deps, opened })).not.toBe(opened);
  });
});
