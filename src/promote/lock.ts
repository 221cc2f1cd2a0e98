// Step 1 of a promotion: what exactly is promoted (app digest, image digests, chart version), the
// lock file that writes it down, and the QA record that proves QA tested the same app.
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { ExitCode, OmrsError } from '../errors.js';
import { canonicalJson } from '../profile/digest.js';
import type { Change } from '../profile/diff.js';
import type { Profile } from '../profile/schema.js';
import { profileImages } from '../render/values.js';

export interface LockedImage {
  component: string;
  image: string;
  /** sha256:… when the reference pins it; absent when it does not. */
  digest?: string;
  pinned: boolean;
}

export interface PromotionLock {
  profile: string;
  appDigest: string;
  chartVersion: string;
  openmrsVersion?: string;
  images: LockedImage[];
}

export function buildLock(name: string, profile: Profile, digest: string): PromotionLock {
  return {
    profile: name,
    appDigest: digest,
    chartVersion: profile.chart.version,
    ...(profile.openmrs.version && { openmrsVersion: profile.openmrs.version }),
    images: profileImages(profile).map((i) => ({
      component: i.component,
      image: i.image,
      ...(i.digest && { digest: i.digest }),
      pinned: i.digest !== undefined,
    })),
  };
}

/** Deterministic JSON: sorted keys, two-space indent, one trailing newline. */
export function lockText(lock: PromotionLock): string {
  return JSON.stringify(JSON.parse(canonicalJson(lock)), null, 2) + '\n';
}

/** Default lock file: next to the profile file, `<name>.lock.json` (profiles/prod.lock.json). */
export const defaultLockFile = (profileFile: string): string =>
  join(dirname(profileFile), `${basename(profileFile, extname(profileFile))}.lock.json`);

export async function writeLock(file: string, lock: PromotionLock): Promise<void> {
  await writeFile(file, lockText(lock));
}

/** What QA writes when its tests pass: `omrs promote record --profile qa -o qa-record.json`. */
export interface QaRecord {
  profile: string;
  /** The profile file QA ran, so that promote can show the app-key diff. */
  profileFile?: string;
  appDigest: string;
  testedAt: string;
  result: 'passed' | 'failed';
}

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
      hint: 'QA writes it with `omrs promote record --profile qa -o qa-record.json`.',
    });
  }
  const r = data as Partial<QaRecord>;
  if (
    typeof r.profile !== 'string' ||
    typeof r.appDigest !== 'string' ||
    typeof r.testedAt !== 'string' ||
    (r.result !== 'passed' && r.result !== 'failed')
  )
    throw new OmrsError({
      code: 'PROMOTE_BAD_RECORD',
      message: `${path} is not a QA record: it needs profile, appDigest, testedAt and result (passed|failed)`,
      exitCode: ExitCode.usage,
      hint: 'Write it with `omrs promote record`.',
    });
  return { ...(r as QaRecord), file: path };
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
