// What a seed run generates: the size presets, count overrides, and the run key that makes
// "the same seed and size twice" recognisable.
import { createHash } from 'node:crypto';
import { ExitCode, OmrsError } from '../errors.js';

export type SeedSize = 'small' | 'medium' | 'large';
export const SEED_SIZES: readonly SeedSize[] = ['small', 'medium', 'large'];

export interface SeedCounts {
  patients: number;
  visitsPerPatient: number;
  encountersPerVisit: number;
  obsPerEncounter: number;
}

export interface StaffCounts {
  clerks: number;
  nurses: number;
  doctors: number;
}

/** large: 100,000 patients × 2 visits × 1 encounter × 5 obs = 1,000,000 obs. */
export const SIZE_PRESETS: Record<SeedSize, SeedCounts & { staff: StaffCounts }> = {
  small: {
    patients: 100,
    visitsPerPatient: 2,
    encountersPerVisit: 2,
    obsPerEncounter: 5,
    staff: { clerks: 1, nurses: 2, doctors: 2 },
  },
  medium: {
    patients: 2_000,
    visitsPerPatient: 3,
    encountersPerVisit: 2,
    obsPerEncounter: 5,
    staff: { clerks: 2, nurses: 5, doctors: 5 },
  },
  large: {
    patients: 100_000,
    visitsPerPatient: 2,
    encountersPerVisit: 1,
    obsPerEncounter: 5,
    staff: { clerks: 5, nurses: 20, doctors: 20 },
  },
};

export interface SeedRequest {
  size?: SeedSize;
  seed?: number;
  locale?: string;
  tenant?: string;
  counts?: Partial<SeedCounts>;
  /** Patients per transaction; default: about 15,000 rows per transaction. */
  chunkPatients?: number;
}

export interface SeedPlan {
  size: SeedSize;
  seed: number;
  locale: string;
  tenant: string | undefined;
  counts: SeedCounts;
  staff: StaffCounts;
  chunkPatients: number;
  chunks: number;
  /** sha256 over everything that decides the rows: equal keys mean equal data. */
  key: string;
}

const ROWS_PER_CHUNK = 15_000;

export function resolvePlan(request: SeedRequest): SeedPlan {
  const size = request.size ?? 'small';
  if (!SEED_SIZES.includes(size))
    throw new OmrsError({
      code: 'SEED_BAD_SIZE',
      message: `unknown seed size "${String(size)}"`,
      hint: `Use one of: ${SEED_SIZES.join(', ')}.`,
      exitCode: ExitCode.usage,
    });
  const preset = SIZE_PRESETS[size];
  const counts: SeedCounts = {
    patients: request.counts?.patients ?? preset.patients,
    visitsPerPatient: request.counts?.visitsPerPatient ?? preset.visitsPerPatient,
    encountersPerVisit: request.counts?.encountersPerVisit ?? preset.encountersPerVisit,
    obsPerEncounter: request.counts?.obsPerEncounter ?? preset.obsPerEncounter,
  };
  for (const [name, value] of Object.entries(counts))
    if (!Number.isInteger(value) || value < 0 || value > 10_000_000)
      throw new OmrsError({
        code: 'SEED_BAD_COUNT',
        message: `${name} must be a whole number between 0 and 10,000,000 (got ${value})`,
        exitCode: ExitCode.usage,
      });
  const seed = request.seed ?? 42;
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 31 - 1)
    throw new OmrsError({
      code: 'SEED_BAD_SEED',
      message: `seed must be a whole number between 0 and 2147483647 (got ${seed})`,
      exitCode: ExitCode.usage,
    });
  const rowsPerPatient =
    6 + counts.visitsPerPatient * (1 + counts.encountersPerVisit * (2 + counts.obsPerEncounter));
  const chunkPatients =
    request.chunkPatients ?? Math.max(10, Math.min(2_000, Math.floor(ROWS_PER_CHUNK / rowsPerPatient)));
  const locale = request.locale ?? 'en';
  const staff = preset.staff;
  const key = createHash('sha256')
    .update(
      JSON.stringify({ v: 1, seed, locale, tenant: request.tenant ?? null, counts, staff, chunkPatients }),
    )
    .digest('hex');
  return {
    size,
    seed,
    locale,
    tenant: request.tenant,
    counts,
    staff,
    chunkPatients,
    chunks: Math.ceil(counts.patients / chunkPatients),
    key,
  };
}

/** Rows a plan writes per table (data tables only; reference data and users come on top). */
export function expectedRows(plan: SeedPlan): Record<string, number> {
  const { patients, visitsPerPatient, encountersPerVisit, obsPerEncounter } = plan.counts;
  const visits = patients * visitsPerPatient;
  const encounters = visits * encountersPerVisit;
  return {
    person: patients,
    person_name: patients,
    person_address: patients,
    person_attribute: patients,
    patient: patients,
    patient_identifier: patients,
    visit: visits,
    encounter: encounters,
    encounter_provider: encounters,
    obs: encounters * obsPerEncounter,
  };
}

/** The fixed point in time all dates of a run are relative to: a day in 2024 picked by the seed. */
export function seedEpoch(seed: number): number {
  const day = (Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) >>> 0) % 365;
  return Date.UTC(2024, 0, 1, 8, 0, 0) + day * 86_400_000;
}
