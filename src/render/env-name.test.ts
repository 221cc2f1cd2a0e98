import { describe, expect, it } from 'vitest';
import { checkEnvName, envNameOf } from './env-name.js';

describe('envNameOf', () => {
  it.each([
    ['dev', 'dev'],
    ['qa_eu', 'qa-eu'],
    ['Staging.v2', 'staging-v2'],
    ['2024-prod', 'prod'],
    ['___', 'omrs'],
    ['a'.repeat(29) + '_b', 'a'.repeat(29)],
    ['x'.repeat(40), 'x'.repeat(30)],
  ])('%s → %s, a name every runtime accepts', (profile, env) => {
    expect(envNameOf(profile)).toBe(env);
    expect(checkEnvName(envNameOf(profile))).toBe(env);
  });
});
