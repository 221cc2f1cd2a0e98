// Who runs omrs: the login name from the environment and git's user.email. One place for the owner
// label of a disposable environment and the name on a promotion record.
import { run, type Env } from './exec.js';

const loginName = (env: Env): string | undefined => env.USER || env.USERNAME || env.LOGNAME || undefined;

async function gitEmail(env: Env, cwd?: string): Promise<string | undefined> {
  const result = await run('git', ['config', 'user.email'], { env, timeoutMs: 5000, ...(cwd && { cwd }) });
  return result.code === 0 ? result.stdout.trim() || undefined : undefined;
}

/** The login name, else git's user.email (asked only then), else "unknown". */
export async function ownerName(env: Env, cwd?: string): Promise<string> {
  return loginName(env) ?? (await gitEmail(env, cwd)) ?? 'unknown';
}

/** "login <email>" when git knows an email, else the login name (or "unknown"). */
export async function signature(env: Env, cwd?: string): Promise<string> {
  const user = loginName(env) ?? 'unknown';
  const email = await gitEmail(env, cwd);
  return email ? `${user} <${email}>` : user;
}
