// The smoke test of the idle colour, through its gateway: health, login, one REST read.
import { ExitCode, OmrsError } from '../errors.js';

export interface SmokeRequest {
  baseUrl: string;
  /** What is tested, for the messages (default: the idle colour). */
  what?: string;
  user: string;
  password: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface SmokeResult {
  baseUrl: string;
  /** What answered at baseUrl, when it is not the URL itself (a port-forward to a pod). */
  via?: string;
  checks: { name: string; ok: boolean; detail: string }[];
}

async function get(
  url: string,
  init: RequestInit,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Response> {
  const timeout = AbortSignal.timeout(timeoutMs);
  return fetch(url, {
    ...init,
    redirect: 'manual',
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
  });
}

/** Runs the smoke sequence until it passes or `windowMs` is over (a fresh colour may still be warming up). */
export async function smokeTest(r: SmokeRequest & { windowMs?: number }): Promise<SmokeResult> {
  const deadline = Date.now() + (r.windowMs ?? 60_000);
  let delay = 500;
  for (;;) {
    try {
      return await smokeOnce(r);
    } catch (error) {
      if (Date.now() + delay > deadline || r.signal?.aborted) throw error;
      await new Promise((done) => setTimeout(done, delay));
      delay = Math.min(delay * 2, 5000);
    }
  }
}

async function smokeOnce(r: SmokeRequest): Promise<SmokeResult> {
  const base = r.baseUrl.replace(/\/+$/, '');
  const timeoutMs = r.timeoutMs ?? 15_000;
  const checks: SmokeResult['checks'] = [];
  const fail = (name: string, detail: string): never => {
    checks.push({ name, ok: false, detail });
    throw new OmrsError({
      code: 'PROMOTE_SMOKE_FAILED',
      message: `smoke test of ${r.what ?? 'the idle colour'} failed at ${name}: ${detail}`,
      exitCode: ExitCode.failed,
      problems: checks.map((c) => ({
        code: c.ok ? 'SMOKE_OK' : 'SMOKE_FAILED',
        message: `${c.name}: ${c.detail}`,
      })),
    });
  };
  const attempt = async (name: string, url: string, init: RequestInit = {}): Promise<Response> => {
    try {
      return await get(url, init, timeoutMs, r.signal);
    } catch (error) {
      return fail(
        name,
        `${url}: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`,
      );
    }
  };

  const health = await attempt('health', `${base}/openmrs/health/started`);
  if (health.status !== 200) fail('health', `GET /openmrs/health/started answered ${health.status}`);
  checks.push({ name: 'health', ok: true, detail: 'GET /openmrs/health/started 200' });

  const auth = 'Basic ' + Buffer.from(`${r.user}:${r.password}`).toString('base64');
  const login = await attempt('login', `${base}/openmrs/ws/rest/v1/session`, {
    headers: { authorization: auth, accept: 'application/json' },
  });
  const text = await login.text().catch(() => '');
  let session: { authenticated?: boolean } = {};
  try {
    session = JSON.parse(text) as typeof session;
  } catch {
    // not JSON: reported below
  }
  if (login.status !== 200 || session.authenticated !== true)
    fail(
      'login',
      `GET /openmrs/ws/rest/v1/session as ${r.user}: ${login.status}, authenticated=${String(session.authenticated)} (${text.slice(0, 120)})`,
    );
  checks.push({ name: 'login', ok: true, detail: `session for ${r.user}` });

  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const read = await attempt('rest read', `${base}/openmrs/ws/rest/v1/patient?q=smoke&limit=1`, {
    headers: { authorization: auth, accept: 'application/json', ...(cookie && { cookie }) },
  });
  const body = (await read.json().catch(() => undefined)) as { results?: unknown[] } | undefined;
  if (read.status !== 200 || !Array.isArray(body?.results))
    fail(
      'rest read',
      `GET /openmrs/ws/rest/v1/patient answered ${read.status}${Array.isArray(body?.results) ? '' : ' without results'}`,
    );
  checks.push({
    name: 'rest read',
    ok: true,
    detail: `GET /openmrs/ws/rest/v1/patient 200 (${body!.results!.length} results)`,
  });
  return { baseUrl: base, checks };
}
