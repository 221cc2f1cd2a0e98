// Deterministic generators: a chunk of patients (with their visits, encounters and obs) from
// (seed, chunk index) alone, so a resumed run regenerates exactly the rows it would have written.
import type { Faker } from '@faker-js/faker';
import { withMod30Check } from './mod30.js';
import { seedEpoch, type SeedPlan } from './plan.js';
import { Prng, UuidSequence } from './random.js';
import { formatDate, formatDateTime, RowSet, type TableName } from './tables.js';

const DAY = 86_400_000;
const MINUTE = 60_000;

/** Ids of the reference data the clinical rows point at (found or created by the setup phase). */
export interface ReferenceIds {
  phoneAttributeType: number;
  openmrsIdType: number;
  locations: number[];
  visitTypes: number[];
  encounterTypes: number[];
  encounterRole: number;
  providers: number[];
  concepts: {
    weight: number;
    height: number;
    temperature: number;
    systolic: number;
    diastolic: number;
    pulse: number;
    coded: number;
    text: number;
  };
  codedAnswers: number[];
}

/** Hands out ids above the current maximum of each table. */
export class IdAllocator {
  readonly #next = new Map<TableName, number>();

  constructor(maxima: Partial<Record<TableName, number>>) {
    for (const [table, max] of Object.entries(maxima)) this.#next.set(table as TableName, (max ?? 0) + 1);
  }

  next(table: TableName): number {
    const id = this.#next.get(table);
    if (id === undefined) throw new Error(`no id counter for table ${table}`);
    this.#next.set(table, id + 1);
    return id;
  }
}

export interface GeneratorContext {
  plan: SeedPlan;
  faker: Faker;
  ref: ReferenceIds;
  /** The number the first patient's OpenMRS ID starts from (before its check character). */
  identifierBase: number;
}

const NOTES = [
  'Patient reports feeling well.',
  'Mild headache for two days, no fever.',
  'Follow-up visit, adherent to medication.',
  'Cough for one week, chest clear on auscultation.',
  'Routine check, no complaints.',
  'Abdominal pain after meals, advised diet changes.',
  'Joint pain in the knees, worse in the morning.',
  'Counselled on nutrition and physical activity.',
  'Blood pressure reviewed, continue current plan.',
  'Rash on forearms, likely contact dermatitis.',
];

/** The deterministic generator for one seed: UUID sequences and the epoch are fixed per run. */
export class Generator {
  readonly epoch: number;
  readonly #uuids = new Map<string, UuidSequence>();

  constructor(readonly context: GeneratorContext) {
    this.epoch = seedEpoch(context.plan.seed);
    context.faker.setDefaultRefDate(new Date(this.epoch));
  }

  uuid(table: string, index: number): string {
    let seq = this.#uuids.get(table);
    // Keyed by the whole plan, not the seed alone: two plans with one seed (other counts) seeded
    // into one database must not draw the same uuids. One plan still gives the same rows.
    if (!seq)
      this.#uuids.set(
        table,
        (seq = new UuidSequence(this.context.plan.seed, `${table}:${this.context.plan.key}`)),
      );
    return seq.at(index);
  }

  /** Patients [chunk × chunkPatients, …) with everything that hangs off them. */
  chunk(chunk: number, ids: IdAllocator): RowSet {
    const { plan, faker, ref } = this.context;
    const { visitsPerPatient: V, encountersPerVisit: E, obsPerEncounter: O } = plan.counts;
    const first = chunk * plan.chunkPatients;
    const last = Math.min(plan.counts.patients, first + plan.chunkPatients);
    faker.seed([plan.seed, chunk]);
    const prng = new Prng(plan.seed, 'chunk', chunk);
    const out = new RowSet();
    const country = this.country();
    const vitals = this.#vitalConcepts();

    for (let i = first; i < last; i++) {
      const female = prng.chance(0.52);
      const age = prng.chance(0.2) ? prng.int(0, 17) : prng.int(18, 90);
      const registered = this.epoch - prng.int(30, 3 * 365) * DAY;
      const born = this.epoch - age * 365.25 * DAY - prng.int(0, 364) * DAY;
      const created = formatDateTime(registered + prng.int(8 * 60, 17 * 60) * MINUTE);
      const personId = ids.next('person');
      const homeLocation = prng.pick(ref.locations);

      out.add('person', [
        personId,
        female ? 'F' : 'M',
        formatDate(born),
        0,
        0,
        1,
        created,
        this.uuid('person', i),
      ]);
      out.add('person_name', [
        ids.next('person_name'),
        1,
        personId,
        faker.person.firstName(female ? 'female' : 'male'),
        prng.chance(0.3) ? faker.person.middleName(female ? 'female' : 'male') : null,
        faker.person.lastName(),
        1,
        created,
        this.uuid('person_name', i),
      ]);
      out.add('person_address', [
        ids.next('person_address'),
        personId,
        1,
        faker.location.streetAddress(),
        faker.location.city(),
        faker.location.state(),
        faker.location.zipCode(),
        country,
        1,
        created,
        this.uuid('person_address', i),
      ]);
      out.add('person_attribute', [
        ids.next('person_attribute'),
        personId,
        faker.phone.number({ style: 'national' }).slice(0, 50),
        ref.phoneAttributeType,
        1,
        created,
        this.uuid('person_attribute', i),
      ]);
      out.add('patient', [personId, 1, created, 'Unknown']);
      out.add('patient_identifier', [
        ids.next('patient_identifier'),
        personId,
        withMod30Check(this.context.identifierBase + i),
        ref.openmrsIdType,
        1,
        homeLocation,
        1,
        created,
        this.uuid('patient_identifier', i),
      ]);

      // Visits on distinct days between registration and the epoch, oldest first.
      const span = Math.max(1, Math.floor((this.epoch - registered) / DAY));
      const days: number[] = [];
      for (let v = 0; v < V; v++) days.push(prng.int(0, span - 1));
      days.sort((a, b) => a - b);
      for (let v = 0; v < V; v++) {
        const visitIndex = i * V + v;
        const location = prng.chance(0.8) ? homeLocation : prng.pick(ref.locations);
        const start = registered + days[v]! * DAY + prng.int(8 * 60, 16 * 60) * MINUTE;
        const visitId = ids.next('visit');
        const started = formatDateTime(start);
        out.add('visit', [
          visitId,
          personId,
          prng.pick(ref.visitTypes),
          started,
          formatDateTime(start + prng.int(30, 240) * MINUTE),
          location,
          1,
          started,
          this.uuid('visit', visitIndex),
        ]);
        for (let e = 0; e < E; e++) {
          const encounterIndex = visitIndex * E + e;
          const at = formatDateTime(start + (e * 15 + prng.int(0, 10)) * MINUTE);
          const encounterId = ids.next('encounter');
          out.add('encounter', [
            encounterId,
            ref.encounterTypes[e % ref.encounterTypes.length]!,
            personId,
            location,
            at,
            visitId,
            1,
            at,
            this.uuid('encounter', encounterIndex),
          ]);
          out.add('encounter_provider', [
            ids.next('encounter_provider'),
            encounterId,
            prng.pick(ref.providers),
            ref.encounterRole,
            1,
            at,
            this.uuid('encounter_provider', encounterIndex),
          ]);
          const offset = prng.int(0, vitals.length - 1);
          for (let k = 0; k < O; k++) {
            const kind = vitals[(offset + k) % vitals.length]!;
            const value = this.#obsValue(kind, prng, age, female);
            out.add('obs', [
              ids.next('obs'),
              personId,
              value.concept,
              encounterId,
              at,
              location,
              value.coded,
              value.numeric,
              value.text,
              'FINAL',
              1,
              at,
              this.uuid('obs', encounterIndex * O + k),
            ]);
          }
        }
      }
    }
    return out;
  }

  /** The country of every address: the locale's own where faker knows one, else one picked by the seed. */
  country(): string {
    const byLocale: Record<string, string> = {
      en: 'United States',
      en_US: 'United States',
      en_GB: 'United Kingdom',
      fr: 'France',
      de: 'Germany',
      es: 'Spain',
      pt_BR: 'Brazil',
      en_IN: 'India',
      en_NG: 'Nigeria',
      en_GH: 'Ghana',
      en_ZA: 'South Africa',
      sw: 'Kenya',
    };
    return (
      byLocale[this.context.plan.locale] ??
      new Prng(this.context.plan.seed, 'country').pick([
        'Kenya',
        'Uganda',
        'Rwanda',
        'Haiti',
        'Malawi',
        'Peru',
      ])
    );
  }

  #vitalConcepts(): ObsKind[] {
    return ['weight', 'height', 'temperature', 'systolic', 'diastolic', 'pulse', 'coded', 'text'];
  }

  #obsValue(
    kind: ObsKind,
    prng: Prng,
    age: number,
    female: boolean,
  ): { concept: number; numeric: number | null; coded: number | null; text: string | null } {
    const c = this.context.ref.concepts;
    const numeric = (concept: number, value: number) => ({
      concept,
      numeric: value,
      coded: null,
      text: null,
    });
    const child = age < 18;
    switch (kind) {
      case 'weight':
        return numeric(
          c.weight,
          child
            ? prng.normal(3.5 + age * 3.2, 2 + age * 0.4, 2, 120, 1)
            : prng.normal(female ? 66 : 78, 13, 35, 200, 1),
        );
      case 'height':
        return numeric(
          c.height,
          child
            ? prng.normal(52 + age * 6.3, 4 + age * 0.4, 40, 200, 1)
            : prng.normal(female ? 162 : 175, 7, 135, 210, 1),
        );
      case 'temperature':
        return numeric(
          c.temperature,
          prng.chance(0.08) ? prng.float(37.6, 40.2, 1) : prng.normal(36.8, 0.3, 35.5, 37.5, 1),
        );
      case 'systolic':
        return numeric(c.systolic, prng.normal(child ? 105 : 122, 14, 70, 220, 0));
      case 'diastolic':
        return numeric(c.diastolic, prng.normal(child ? 65 : 79, 9, 40, 130, 0));
      case 'pulse':
        return numeric(c.pulse, prng.normal(child ? 95 : 75, 11, 40, 180, 0));
      case 'coded':
        return this.context.ref.codedAnswers.length > 0
          ? { concept: c.coded, numeric: null, coded: prng.pick(this.context.ref.codedAnswers), text: null }
          : { concept: c.text, numeric: null, coded: null, text: prng.pick(NOTES) };
      case 'text':
        return { concept: c.text, numeric: null, coded: null, text: prng.pick(NOTES) };
    }
  }
}

type ObsKind = 'weight' | 'height' | 'temperature' | 'systolic' | 'diastolic' | 'pulse' | 'coded' | 'text';
