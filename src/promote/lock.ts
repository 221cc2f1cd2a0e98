// Step 1 of a promotion: what exactly is promoted (app digest, image digests, chart version) and the
// lock file that writes it down. The QA record it is held against is qa-record.ts.
import { writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { canonicalJson } from '../profile/digest.js';
import type { Profile } from '../profile/schema.js';
import { clusterMonitoringImages, digestOf, profileImages, toolImages } from '../render/values.js';

export interface LockedImage {
  component: string;
  /** The reference as the profile names it (the registry mirror applied). */
  image: string;
  /** sha256:… when the reference pins it or the registry gave it at promote; absent otherwise. */
  digest?: string;
  pinned: boolean;
  /** Set when promote asked the registry for the digest (images.pinDigests). */
  resolvedAt?: string;
}

export interface PromotionLock {
  profile: string;
  appDigest: string;
  chartVersion: string;
  openmrsVersion?: string;
  images: LockedImage[];
  /**
   * The images of the tools the environment's settings add (monitoring, the backups' upload, the
   * cluster's log store and shipper): pinned like the app's, but not what QA tested (they are no
   * app key). Absent when there are none.
   */
  tools?: LockedImage[];
}

/**
 * The lock of a profile. `resolved` are the digests the registry served at promote, by component:
 * they pin every image the profile names by tag.
 */
export function buildLock(
  name: string,
  profile: Profile,
  digest: string,
  resolved?: { digests: Map<string, string>; at: string },
): PromotionLock {
  const locked = (i: { component: string; image: string; digest?: string }): LockedImage => {
    const fromRegistry = i.digest ? undefined : resolved?.digests.get(i.component);
    const d = i.digest ?? fromRegistry;
    return {
      component: i.component,
      image: i.image,
      ...(d && { digest: d }),
      pinned: d !== undefined,
      ...(fromRegistry && { resolvedAt: resolved!.at }),
    };
  };
  const tools = [...toolImages(profile), ...clusterMonitoringImages(profile)].map((i) =>
    locked({ ...i, ...digestOf(i.image) }),
  );
  return {
    profile: name,
    appDigest: digest,
    chartVersion: profile.chart.version,
    ...(profile.openmrs.version && { openmrsVersion: profile.openmrs.version }),
    images: profileImages(profile).map(locked),
    ...(tools.length > 0 && { tools }),
  };
}

/** Every image of a lock: the app's, then the tools'. */
export const lockedImages = (lock: PromotionLock): LockedImage[] => [...lock.images, ...(lock.tools ?? [])];

/** The references to deploy: each pinned image as `name[:tag]@sha256:…`, by component. */
export function lockedReferences(lock: PromotionLock): Record<string, string> {
  return Object.fromEntries(
    lockedImages(lock)
      .filter((i) => i.digest)
      .map((i) => [i.component, i.image.includes('@') ? i.image : `${i.image}@${i.digest}`]),
  );
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
