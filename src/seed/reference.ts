// The reference data clinical rows need, found by name (or well-known uuid) and created only
// when missing: identifier and attribute types, locations, visit and encounter types, an
// encounter role, a small concept dictionary, and the staff (persons + providers).
import type { Faker } from '@faker-js/faker';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { IdAllocator, ReferenceIds } from './generate.js';
import { LUHN_MOD30_VALIDATOR } from './mod30.js';
import type { SeedPlan } from './plan.js';
import { Prng, UuidSequence } from './random.js';
import { formatDate, formatDateTime, RowSet, type TableName } from './tables.js';

/** Well-known uuids of the Reference Application, so the O3 frontend finds seeded metadata. */
export const OPENMRS_ID_TYPE_UUID = '05a29f94-c0ed-11e2-94be-8c13b969e334';
export const TELEPHONE_ATTRIBUTE_UUID = '14d4f066-15f5-102d-96e4-000c29c2a5d7';

export const LOCATIONS = ['Outpatient Clinic', 'Inpatient Ward', 'Laboratory', 'Community Outreach'];
export const VISIT_TYPES = ['Facility Visit', 'Outpatient Visit', 'Home Visit'];
export const ENCOUNTER_TYPES = ['Vitals', 'Visit Note', 'Consultation'];
export const ENCOUNTER_ROLE = 'Clinician';

interface NumericConcept {
  key: 'weight' | 'height' | 'temperature' | 'systolic' | 'diastolic' | 'pulse';
  name: string;
  units: string;
  decimal: boolean;
  range: [
    lowAbsolute: number,
    lowCritical: number,
    lowNormal: number,
    hiNormal: number,
    hiCritical: number,
    hiAbsolute: number,
  ];
}

/** Names as in CIEL, so an installed dictionary is reused instead of duplicated. */
export const NUMERIC_CONCEPTS: NumericConcept[] = [
  { key: 'weight', name: 'Weight (kg)', units: 'kg', decimal: true, range: [0, 1, 2, 150, 200, 250] },
  { key: 'height', name: 'Height (cm)', units: 'cm', decimal: true, range: [10, 30, 40, 200, 220, 228] },
  {
    key: 'temperature',
    name: 'Temperature (c)',
    units: 'DEG C',
    decimal: true,
    range: [25, 34, 36, 37.5, 40, 43],
  },
  {
    key: 'systolic',
    name: 'Systolic blood pressure',
    units: 'mmHg',
    decimal: false,
    range: [0, 70, 90, 140, 180, 250],
  },
  {
    key: 'diastolic',
    name: 'Diastolic blood pressure',
    units: 'mmHg',
    decimal: false,
    range: [0, 40, 60, 90, 120, 150],
  },
  { key: 'pulse', name: 'Pulse', units: 'beats/min', decimal: false, range: [0, 40, 60, 100, 150, 230] },
];
export const CODED_CONCEPT = {
  name: 'Tobacco use status',
  answers: ['Never smoked', 'Current smoker', 'Former smoker'],
};
export const TEXT_CONCEPT = 'Clinical notes';

/** concept_datatype / concept_class ids of the 2.8 core data. */
const DATATYPE = { numeric: 1, coded: 2, text: 3, na: 4 } as const;
const CLASS = { test: 1, finding: 5, question: 7, misc: 11 } as const;

export type StaffKind = 'clerk' | 'nurse' | 'doctor';

export interface StaffMember {
  index: number;
  kind: StaffKind;
  personId: number;
  providerId: number | null;
}

export interface Setup {
  ref: ReferenceIds;
  staff: StaffMember[];
  rows: RowSet;
}

async function firstId(conn: Connection, sql: string, params: unknown[]): Promise<number | undefined> {
  const [rows] = await conn.query<RowDataPacket[]>(sql, params);
  const value = rows[0] ? Object.values(rows[0])[0] : undefined;
  return value === undefined || value === null ? undefined : Number(value);
}

export function staffList(plan: SeedPlan): { index: number; kind: StaffKind; n: number }[] {
  const out: { index: number; kind: StaffKind; n: number }[] = [];
  const add = (kind: StaffKind, count: number) => {
    for (let n = 1; n <= count; n++) out.push({ index: out.length, kind, n });
  };
  add('clerk', plan.staff.clerks);
  add('nurse', plan.staff.nurses);
  add('doctor', plan.staff.doctors);
  return out;
}

/** Finds or creates everything the clinical rows reference; new rows land in `rows` (not yet written). */
export async function prepareSetup(
  conn: Connection,
  plan: SeedPlan,
  faker: Faker,
  ids: IdAllocator,
  epoch: number,
): Promise<Setup> {
  const rows = new RowSet();
  const created = formatDateTime(epoch - 4 * 365 * 86_400_000);
  const uuids = new Map<string, UuidSequence>();
  const uuid = (table: TableName | string, index: number) => {
    let seq = uuids.get(table);
    if (!seq) uuids.set(table, (seq = new UuidSequence(plan.seed, `ref:${table}`)));
    return seq.at(index);
  };

  const named = async (
    table: TableName,
    idColumn: string,
    name: string,
    index: number,
    build: (id: number) => (string | number | null)[],
    wellKnownUuid?: string,
  ) => {
    const found = await firstId(
      conn,
      `SELECT ${idColumn} FROM ${table} WHERE name = ? ${wellKnownUuid ? 'OR uuid = ?' : ''} ORDER BY ${idColumn} LIMIT 1`,
      wellKnownUuid ? [name, wellKnownUuid] : [name],
    );
    if (found !== undefined) return found;
    const id = ids.next(table);
    rows.add(table, [...build(id), 1, created, wellKnownUuid ?? uuid(table, index)]);
    return id;
  };

  const phoneAttributeType = await named(
    'person_attribute_type',
    'person_attribute_type_id',
    'Telephone Number',
    0,
    (id) => [id, 'Telephone Number', 'The telephone number for the person', 'java.lang.String', 0, 3],
    TELEPHONE_ATTRIBUTE_UUID,
  );
  const openmrsIdType = await named(
    'patient_identifier_type',
    'patient_identifier_type_id',
    'OpenMRS ID',
    0,
    (id) => [
      id,
      'OpenMRS ID',
      'OpenMRS patient identifier, with check-digit',
      1,
      1,
      LUHN_MOD30_VALIDATOR,
      'NOT_USED',
      'UNIQUE',
    ],
    OPENMRS_ID_TYPE_UUID,
  );
  const locations: number[] = [];
  for (const [i, name] of LOCATIONS.entries())
    locations.push(
      await named('location', 'location_id', name, i, (id) => [
        id,
        name,
        `${name} (seeded by omrs)`,
        null,
        null,
      ]),
    );
  const visitTypes: number[] = [];
  for (const [i, name] of VISIT_TYPES.entries())
    visitTypes.push(
      await named('visit_type', 'visit_type_id', name, i, (id) => [id, name, `${name} (seeded by omrs)`]),
    );
  const encounterTypes: number[] = [];
  for (const [i, name] of ENCOUNTER_TYPES.entries())
    encounterTypes.push(
      await named('encounter_type', 'encounter_type_id', name, i, (id) => [
        id,
        name,
        `${name} (seeded by omrs)`,
      ]),
    );
  const encounterRole = await named('encounter_role', 'encounter_role_id', ENCOUNTER_ROLE, 0, (id) => [
    id,
    ENCOUNTER_ROLE,
    'The clinician who saw the patient (seeded by omrs)',
  ]);

  // Concepts: found by their English name, else created with a fully specified name.
  let conceptIndex = 0;
  const concept = async (
    name: string,
    datatype: number,
    conceptClass: number,
    extra?: (id: number) => void,
  ) => {
    const index = conceptIndex++;
    const found = await firstId(
      conn,
      `SELECT c.concept_id FROM concept c JOIN concept_name n ON n.concept_id = c.concept_id
        WHERE n.name = ? AND n.locale = 'en' AND n.voided = 0 AND c.retired = 0
        ORDER BY n.concept_name_type = 'FULLY_SPECIFIED' DESC, c.concept_id LIMIT 1`,
      [name],
    );
    if (found !== undefined) return { id: found, created: false };
    const id = ids.next('concept');
    rows.add('concept', [
      id,
      '',
      `${name} (seeded by omrs)`,
      datatype,
      conceptClass,
      0,
      1,
      created,
      uuid('concept', index),
    ]);
    rows.add('concept_name', [
      ids.next('concept_name'),
      id,
      name,
      'en',
      1,
      'FULLY_SPECIFIED',
      1,
      created,
      uuid('concept_name', index),
    ]);
    extra?.(id);
    return { id, created: true };
  };
  const numeric = {} as Record<NumericConcept['key'], number>;
  for (const c of NUMERIC_CONCEPTS) {
    const [la, lc, ln, hn, hc, ha] = c.range;
    numeric[c.key] = (
      await concept(c.name, DATATYPE.numeric, CLASS.test, (id) =>
        rows.add('concept_numeric', [
          id,
          ha,
          hc,
          hn,
          la,
          lc,
          ln,
          c.units,
          c.decimal ? 1 : 0,
          c.decimal ? 1 : 0,
        ]),
      )
    ).id;
  }
  const answers: number[] = [];
  for (const a of CODED_CONCEPT.answers) answers.push((await concept(a, DATATYPE.na, CLASS.misc)).id);
  const coded = await concept(CODED_CONCEPT.name, DATATYPE.coded, CLASS.question);
  if (coded.created)
    answers.forEach((answer, i) =>
      rows.add('concept_answer', [
        ids.next('concept_answer'),
        coded.id,
        answer,
        i + 1,
        1,
        created,
        uuid('concept_answer', i),
      ]),
    );
  let codedAnswers = answers;
  if (!coded.created) {
    const [existing] = await conn.query<RowDataPacket[]>(
      'SELECT answer_concept FROM concept_answer WHERE concept_id = ? AND answer_concept IS NOT NULL ORDER BY sort_weight, concept_answer_id',
      [coded.id],
    );
    codedAnswers = existing.map((r) => Number(r.answer_concept));
  }
  const text = (await concept(TEXT_CONCEPT, DATATYPE.text, CLASS.finding)).id;

  // Staff: persons (and providers for nurses and doctors), found again by their seed-derived uuids.
  faker.seed([plan.seed, 0x7fffffff]);
  const prng = new Prng(plan.seed, 'staff');
  const staff: StaffMember[] = [];
  for (const member of staffList(plan)) {
    const female = prng.chance(0.5);
    const age = prng.int(25, 64);
    const given = faker.person.firstName(female ? 'female' : 'male');
    const family = faker.person.lastName();
    const personUuid = uuid('person', member.index);
    let personId = await firstId(conn, 'SELECT person_id FROM person WHERE uuid = ?', [personUuid]);
    if (personId === undefined) {
      personId = ids.next('person');
      rows.add('person', [
        personId,
        female ? 'F' : 'M',
        formatDate(epoch - age * 365.25 * 86_400_000),
        0,
        0,
        1,
        created,
        personUuid,
      ]);
      rows.add('person_name', [
        ids.next('person_name'),
        1,
        personId,
        given,
        null,
        family,
        1,
        created,
        uuid('person_name', member.index),
      ]);
    }
    let providerId: number | null = null;
    if (member.kind !== 'clerk') {
      const providerUuid = uuid('provider', member.index);
      providerId =
        (await firstId(conn, 'SELECT provider_id FROM provider WHERE uuid = ?', [providerUuid])) ?? null;
      if (providerId === null) {
        providerId = ids.next('provider');
        rows.add('provider', [
          providerId,
          personId,
          `${member.kind.toUpperCase()}-${plan.seed}-${member.n}`,
          1,
          created,
          providerUuid,
        ]);
      }
    }
    staff.push({ index: member.index, kind: member.kind, personId, providerId });
  }
  const providers = staff.flatMap((s) => (s.providerId === null ? [] : [s.providerId]));

  return {
    rows,
    staff,
    ref: {
      phoneAttributeType,
      openmrsIdType,
      locations,
      visitTypes,
      encounterTypes,
      encounterRole,
      providers,
      concepts: { ...numeric, coded: coded.id, text },
      codedAnswers,
    },
  };
}
