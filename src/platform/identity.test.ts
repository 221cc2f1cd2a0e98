// Identity through the real git: a temporary global config plays the user's ~/.gitconfig.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ownerName, signature } from './identity.js';

const dir = mkdtempSync(join(tmpdir(), 'omrs-identity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function gitEnv(email?: string): Record<string, string | undefined> {
  const config = join(dir, email ? 'with-email' : 'without-email');
  writeFileSync(config, email ? `[user]\n\temail = ${email}\n` : '');
  return { PATH: process.env.PATH, HOME: dir, GIT_CONFIG_GLOBAL: config, GIT_CONFIG_NOSYSTEM: '1' };
}

describe('identity', () => {
  it('names the owner by login, else by git email, else unknown', async () => {
    expect(await ownerName({ ...gitEnv('qa@example.org'), USER: 'ana' }, dir)).toBe('ana');
    expect(await ownerName({ ...gitEnv('qa@example.org'), LOGNAME: 'bo' }, dir)).toBe('bo');
    expect(await ownerName(gitEnv('qa@example.org'), dir)).toBe('qa@example.org');
    expect(await ownerName(gitEnv(), dir)).toBe('unknown');
  });

  it('signs a record as "login <email>" when git knows the email', async () => {
    expect(await signature({ ...gitEnv('qa@example.org'), USER: 'ana' }, dir)).toBe('ana <qa@example.org>');
    expect(await signature({ ...gitEnv(), USERNAME: 'cy' }, dir)).toBe('cy');
  });
});
