// The QA record: the evidence that QA ran this app and it passed. `omrs promote record` writes it
// only after the QA profile's check gate passed, every image's digest came from its registry, and
// the smoke test passed against the QA environment; `omrs promote` refuses a record without that
// evidence, of another app, or whose images are not the digests it is about to deploy.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { runCheck } from '../checks/index.js';
import { ExitCode, OmrsError } from '../errors.js';
import type { EventSink } from '../events/types.js';
import { maskCredentials } from '../mask.js';
import { signature } from '../platform/identity.js';
import { appDigest } from '../profile/digest.js';
import type { Change } from '../profile/diff.js';
import { openProfile } from '../profile/index.js';
import { resolveDigests } from '../render/image-digests.js';
import { profileImages } from '../render/values.js';
import type { PromotionLock } from './lock.js';
import { smokeTest, type SmokeResult } from './smoke.js';

export interface QaRecord {
  profile: string;
  /** The profile file QA ran, so that promote can show the app-key diff. */
  profileFile?: string;
  appDigest: string;
  testedAt: string;
  result: 'passed';
  /** Who wrote it: the login name and git e-mail. */
  who: string;
  /** The digest each image's registry served when QA recorded it. */
  images: { component: string; image: string; digest: string }[];
  /** The QA profile's check gate, at its own level. */
  checks: { level: string; passed: true; fail: number; warn: number; waived: number };
  /** The smoke test against the QA environment (its URL without credentials). */
  smoke: SmokeResult;
}

export interface RecordRequest {
  profile?: string;
  smokeUrl?: string;
  smokeUser?: string;
  smokeWindowMs?: number;
  db?: string;
}

/** `omrs promote record`: check gate, image digests and smoke test of the QA environment, then the record. */
export async function writeQaRecord(
  request: RecordRequest,
  deps: { cwd: string; env: Record<string, string | undefined>; events: EventSink; signal: AbortSignal },
  now = () => new Date(),
): Promise<QaRecord> {
  if (!request.smokeUrl)
    throw new OmrsError({
      code: 'PROMOTE_SMOKE_URL_REQUIRED',
      message: 'no smoke-test target: the QA record needs a smoke test of the QA environment (--smoke-url)',
      exitCode: ExitCode.usage,
      hint: 'Pass --smoke-url with the URL of the QA environment’s gateway (`omrs open --profile qa` prints it).',
    });
  const resolved = await openProfile(request.profile, deps);
  const { profile, name } = resolved;
  const report = await runCheck(
    {
      paths: [],
      profile: resolved.file,
      scopes: request.db ? ['manifests', 'database'] : ['manifests'],
      ...(request.db && { db: request.db }),
      events: deps.events,
    },
    deps,
  );
  if (!report.passed)
    throw new OmrsError({
      code: 'PROMOTE_QA_CHECKS_FAILED',
      message: `the check gate of ${name} failed at level ${report.level} (${report.counts.fail} failing): no QA record written`,
      exitCode: ExitCode.gate,
      problems: report.findings
        .filter((f) => f.status === 'fail')
        .map((f) => ({
          code: f.rule,
          message: `${f.resource}: ${f.message}`,
          ...(f.fix && { hint: f.fix }),
        })),
      hint: `Details: \`omrs check --profile ${name}\`.`,
    });
  const images = await resolveDigests(profileImages(profile), {
    env: deps.env,
    mirror: profile.images.registry,
  });
  const smoke = await smokeTest({
    baseUrl: request.smokeUrl,
    what: `the QA environment (${name})`,
    user: request.smokeUser ?? 'admin',
    password: deps.env.OMRS_SMOKE_PASSWORD ?? deps.env.OMRS_ADMIN_PASSWORD ?? '',
    ...(request.smokeWindowMs !== undefined && { windowMs: request.smokeWindowMs }),
    signal: deps.signal,
  });
  return {
    profile: name,
    profileFile: resolved.file,
    appDigest: appDigest(profile),
    testedAt: now().toISOString(),
    result: 'passed',
    who: await signature(deps.env, deps.cwd),
    images: images.map(({ component, image, digest }) => ({ component, image, digest })),
    checks: {
      level: report.level,
      passed: true,
      fail: report.counts.fail,
      warn: report.counts.warn,
      waived: report.counts.waived,
    },
    smoke: { ...smoke, baseUrl: maskCredentials(smoke.baseUrl) },
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Reads a QA record and refuses one that lacks the evidence `omrs promote record` writes. */
export async function readQaRecord(file: string, cwd: string): Promise<QaRecord & { file: string }> {
  const path = resolve(cwd, file);
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new OmrsError({
      code: 'PROMOTE_BAD_RECORD',
      message: `cannot read the QA record ${path}: ${error instanceof Error ? error.message : String(error)}`,
      exitCode: ExitCode.usage,
      hint: 'QA writes it with `omrs promote record --profile qa --smoke-url <QA gateway> -o qa-record.json`.',
    });
  }
  const r = isRecord(data) ? data : {};
  const missing = [
    typeof r.profile !== 'string' && 'profile',
    typeof r.appDigest !== 'string' && 'appDigest',
    typeof r.testedAt !== 'string' && 'testedAt',
    r.result !== 'passed' && 'result: passed',
    typeof r.who !== 'string' && 'who',
    !(
      Array.isArray(r.images) &&
      r.images.length > 0 &&
      r.images.every(
        (i) =>
          isRecord(i) && typeof i.component === 'string' && /^sha256:[a-f0-9]{64}$/.test(String(i.digest)),
      )
    ) && 'images with their digests',
    !(isRecord(r.checks) && r.checks.passed === true) && 'a passed check gate (checks)',
    !(
      isRecord(r.smoke) &&
      Array.isArray(r.smoke.checks) &&
      r.smoke.checks.length > 0 &&
      r.smoke.checks.every((c) => isRecord(c) && c.ok === true)
    ) && 'a passed smoke test (smoke)',
  ].filter((m): m is string => typeof m === 'string');
  if (missing.length)
    throw new OmrsError({
      code: 'PROMOTE_BAD_RECORD',
      message: `${path} is not the evidence of a passed QA run: it has no ${missing.join(', no ')}`,
      exitCode: ExitCode.usage,
      hint: 'Write it with `omrs promote record`: it runs the QA profile’s check gate, resolves the image digests and smoke-tests the QA environment first.',
    });
  return { ...(r as unknown as QaRecord), file: path };
}

export function digestMismatch(
  record: QaRecord,
  prodName: string,
  prodDigest: string,
  appChanges: Change[],
): OmrsError {
  const lines = appChanges.map(
    (c) =>
      `  ${c.kind === 'added' ? '+' : c.kind === 'removed' ? '-' : '~'} ${c.path}: ${c.kind === 'added' ? JSON.stringify(c.to) : c.kind === 'removed' ? JSON.stringify(c.from) : `${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`}`,
  );
  return new OmrsError({
    code: 'PROMOTE_APP_DIGEST_MISMATCH',
    message: `profile ${prodName} is not the app QA tested: app digest ${prodDigest} ≠ ${record.appDigest} (QA record of ${record.profile}, ${record.testedAt})${lines.length ? `\napp keys that differ (QA → ${prodName}):\n${lines.join('\n')}` : ''}`,
    exitCode: ExitCode.failed,
    problems: appChanges.map((c) => ({
      code: 'APP_KEY_DIFFERS',
      message: `${c.kind}: ${c.path}`,
      path: c.path.split('.'),
    })),
    hint: 'Promote only what QA tested: change the app keys (images, chart, modules, global properties, tenants) back, or have QA test this app and write a new record.',
  });
}

/**
 * The images the lock is about to deploy that QA did not test: same component, another digest (the
 * tag moved in the registry since QA recorded it, or the record was edited). Compared by digest, so
 * QA and prod may pull through different registries.
 */
export function imagesNotTested(record: QaRecord, lock: PromotionLock): OmrsError | undefined {
  const tested = new Map(record.images.map((i) => [i.component, i.digest]));
  const other = lock.images.filter((i) => i.digest && tested.get(i.component) !== i.digest);
  if (other.length === 0) return undefined;
  return new OmrsError({
    code: 'PROMOTE_IMAGE_DIGEST_MISMATCH',
    message: `${other.length} image${other.length === 1 ? ' is' : 's are'} not the one${other.length === 1 ? '' : 's'} QA tested (QA record of ${record.profile}, ${record.testedAt}); nothing was changed`,
    exitCode: ExitCode.failed,
    problems: other.map((i) => ({
      code: 'IMAGE_NOT_TESTED',
      message: `${i.component}: ${i.image} is ${i.digest}; QA tested ${tested.get(i.component) ?? 'no such image'}`,
    })),
    hint: 'A tag moved in the registry after QA recorded it: pin the tested digests (image@sha256:…) in the profile, or have QA test what the registry serves now and write a new record.',
  });
}
