// The OpenMRS tables the seeder writes: the columns it fills, the primary key the ledger
// records id ranges of, and the order that satisfies every foreign key.

export type Value = string | number | null;
export type Row = Value[];

export interface TableSpec {
  /** Column the ledger's id ranges refer to (the primary key, or its first column). */
  key: string;
  columns: readonly string[];
}

const audit = ['creator', 'date_created', 'uuid'] as const;

export const TABLES = {
  role: { key: 'role', columns: ['role', 'description', 'uuid'] },
  person_attribute_type: {
    key: 'person_attribute_type_id',
    columns: [
      'person_attribute_type_id',
      'name',
      'description',
      'format',
      'searchable',
      'sort_weight',
      ...audit,
    ],
  },
  patient_identifier_type: {
    key: 'patient_identifier_type_id',
    columns: [
      'patient_identifier_type_id',
      'name',
      'description',
      'check_digit',
      'required',
      'validator',
      'location_behavior',
      'uniqueness_behavior',
      ...audit,
    ],
  },
  location: {
    key: 'location_id',
    columns: ['location_id', 'name', 'description', 'city_village', 'country', ...audit],
  },
  visit_type: { key: 'visit_type_id', columns: ['visit_type_id', 'name', 'description', ...audit] },
  encounter_type: {
    key: 'encounter_type_id',
    columns: ['encounter_type_id', 'name', 'description', ...audit],
  },
  encounter_role: {
    key: 'encounter_role_id',
    columns: ['encounter_role_id', 'name', 'description', ...audit],
  },
  concept: {
    key: 'concept_id',
    columns: ['concept_id', 'short_name', 'description', 'datatype_id', 'class_id', 'is_set', ...audit],
  },
  concept_name: {
    key: 'concept_name_id',
    columns: [
      'concept_name_id',
      'concept_id',
      'name',
      'locale',
      'locale_preferred',
      'concept_name_type',
      ...audit,
    ],
  },
  concept_numeric: {
    key: 'concept_id',
    columns: [
      'concept_id',
      'hi_absolute',
      'hi_critical',
      'hi_normal',
      'low_absolute',
      'low_critical',
      'low_normal',
      'units',
      'allow_decimal',
      'display_precision',
    ],
  },
  concept_answer: {
    key: 'concept_answer_id',
    columns: ['concept_answer_id', 'concept_id', 'answer_concept', 'sort_weight', ...audit],
  },
  person: {
    key: 'person_id',
    columns: ['person_id', 'gender', 'birthdate', 'birthdate_estimated', 'dead', ...audit],
  },
  person_name: {
    key: 'person_name_id',
    columns: [
      'person_name_id',
      'preferred',
      'person_id',
      'given_name',
      'middle_name',
      'family_name',
      ...audit,
    ],
  },
  person_address: {
    key: 'person_address_id',
    columns: [
      'person_address_id',
      'person_id',
      'preferred',
      'address1',
      'city_village',
      'state_province',
      'postal_code',
      'country',
      ...audit,
    ],
  },
  person_attribute: {
    key: 'person_attribute_id',
    columns: ['person_attribute_id', 'person_id', 'value', 'person_attribute_type_id', ...audit],
  },
  provider: { key: 'provider_id', columns: ['provider_id', 'person_id', 'identifier', ...audit] },
  patient: { key: 'patient_id', columns: ['patient_id', 'creator', 'date_created', 'allergy_status'] },
  patient_identifier: {
    key: 'patient_identifier_id',
    columns: [
      'patient_identifier_id',
      'patient_id',
      'identifier',
      'identifier_type',
      'preferred',
      'location_id',
      ...audit,
    ],
  },
  visit: {
    key: 'visit_id',
    columns: [
      'visit_id',
      'patient_id',
      'visit_type_id',
      'date_started',
      'date_stopped',
      'location_id',
      ...audit,
    ],
  },
  encounter: {
    key: 'encounter_id',
    columns: [
      'encounter_id',
      'encounter_type',
      'patient_id',
      'location_id',
      'encounter_datetime',
      'visit_id',
      ...audit,
    ],
  },
  encounter_provider: {
    key: 'encounter_provider_id',
    columns: ['encounter_provider_id', 'encounter_id', 'provider_id', 'encounter_role_id', ...audit],
  },
  obs: {
    key: 'obs_id',
    columns: [
      'obs_id',
      'person_id',
      'concept_id',
      'encounter_id',
      'obs_datetime',
      'location_id',
      'value_coded',
      'value_numeric',
      'value_text',
      'status',
      ...audit,
    ],
  },
  users: {
    key: 'user_id',
    columns: ['user_id', 'system_id', 'username', 'password', 'salt', 'person_id', 'retired', ...audit],
  },
  user_role: { key: 'user_id', columns: ['user_id', 'role'] },
} as const satisfies Record<string, TableSpec>;

export type TableName = keyof typeof TABLES;

/** Insert order: every table after the tables it references. Purge runs it backwards. */
export const INSERT_ORDER: readonly TableName[] = [
  'role',
  'person_attribute_type',
  'patient_identifier_type',
  'location',
  'visit_type',
  'encounter_type',
  'encounter_role',
  'concept',
  'concept_name',
  'concept_numeric',
  'concept_answer',
  'person',
  'person_name',
  'person_address',
  'person_attribute',
  'provider',
  'patient',
  'patient_identifier',
  'visit',
  'encounter',
  'encounter_provider',
  'obs',
  'users',
  'user_role',
];

/** Tables whose ids the seeder allocates itself (MAX + 1); patient shares person's ids, the rest have no integer key of their own. */
export const ALLOCATED: readonly TableName[] = INSERT_ORDER.filter(
  (t) => !['role', 'patient', 'concept_numeric', 'user_role'].includes(t),
);

export function formatDateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

export const formatDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** A rowset per table, in insert order, plus the key range each covers. */
export class RowSet {
  readonly rows = new Map<TableName, Row[]>();

  add(table: TableName, row: Row): void {
    let list = this.rows.get(table);
    if (!list) this.rows.set(table, (list = []));
    list.push(row);
  }

  get size(): number {
    let n = 0;
    for (const list of this.rows.values()) n += list.length;
    return n;
  }

  /** Tables with rows, in insert order. */
  tables(): TableName[] {
    return INSERT_ORDER.filter((t) => (this.rows.get(t)?.length ?? 0) > 0);
  }
}
