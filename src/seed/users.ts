// Users for the staff: one per clerk, nurse and doctor, with an organizational role (created when
// missing) and a password hashed the way OpenMRS does it: sha512 hex of password + salt.
import { createHash, randomBytes } from 'node:crypto';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { IdAllocator } from './generate.js';
import type { SeedPlan } from './plan.js';
import type { StaffKind, StaffMember } from './reference.js';
import { UuidSequence } from './random.js';
import { formatDateTime, RowSet } from './tables.js';

/** The Reference Application's organizational roles. */
export const ROLES: Record<StaffKind, { role: string; description: string }> = {
  clerk: { role: 'Organizational: Registration Clerk', description: 'Registers patients and starts visits' },
  nurse: { role: 'Organizational: Nurse', description: 'Records vitals and nursing care' },
  doctor: { role: 'Organizational: Doctor', description: 'Sees patients, writes notes and orders' },
};

export interface SeededUser {
  username: string;
  role: string;
  /** Only for users created by this invocation, and only when the password was generated here. */
  password?: string;
}

export const hashPassword = (password: string, salt: string): string =>
  createHash('sha512')
    .update(password + salt, 'utf8')
    .digest('hex');

/** A password OpenMRS's default policy accepts (8+ characters, upper and lower case, a digit). */
export function randomPassword(): string {
  return `${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}Aa1`;
}

/** Adds the organizational roles that are missing to `rows` (reference data: written with the setup chunk). */
export async function prepareRoles(conn: Connection, plan: SeedPlan, rows: RowSet): Promise<void> {
  const roleUuids = new UuidSequence(plan.seed, 'ref:role');
  const [existing] = await conn.query<RowDataPacket[]>('SELECT role FROM role WHERE role IN (?)', [
    Object.values(ROLES).map((r) => r.role),
  ]);
  const have = new Set(existing.map((r) => String(r.role)));
  Object.values(ROLES).forEach((r, i) => {
    if (!have.has(r.role)) rows.add('role', [r.role, `${r.description} (seeded by omrs)`, roleUuids.at(i)]);
  });
}

export interface UsersPhase {
  rows: RowSet;
  users: SeededUser[];
}

/**
 * Users for staff members that have none yet. With `password` every user gets it and the salt comes
 * from the seed (so the rows are reproducible); without it each user gets a random password and salt.
 */
export async function prepareUsers(
  conn: Connection,
  plan: SeedPlan,
  staff: StaffMember[],
  ids: IdAllocator,
  epoch: number,
  password: string | undefined,
): Promise<UsersPhase> {
  const rows = new RowSet();
  const users: SeededUser[] = [];
  const created = formatDateTime(epoch - 4 * 365 * 86_400_000);
  const uuids = new UuidSequence(plan.seed, 'ref:users');

  const counters: Record<StaffKind, number> = { clerk: 0, nurse: 0, doctor: 0 };
  for (const member of staff) {
    const n = ++counters[member.kind];
    const uuid = uuids.at(member.index);
    const [found] = await conn.query<RowDataPacket[]>('SELECT user_id FROM users WHERE uuid = ?', [uuid]);
    if (found.length > 0) continue;
    let username = `${member.kind}${n}`;
    const [taken] = await conn.query<RowDataPacket[]>(
      'SELECT 1 FROM users WHERE username = ? OR system_id = ?',
      [username, username],
    );
    if (taken.length > 0) username = `${member.kind}${n}-${plan.seed}`;
    const plain = password ?? randomPassword();
    const salt =
      password !== undefined
        ? createHash('sha512').update(`omrs-seed:${plan.seed}:${username}`).digest('hex')
        : createHash('sha512').update(randomBytes(32)).digest('hex');
    const userId = ids.next('users');
    rows.add('users', [
      userId,
      username,
      username,
      hashPassword(plain, salt),
      salt,
      member.personId,
      0,
      1,
      created,
      uuid,
    ]);
    rows.add('user_role', [userId, ROLES[member.kind].role]);
    if (member.kind !== 'clerk') rows.add('user_role', [userId, 'Provider']);
    users.push({
      username,
      role: ROLES[member.kind].role,
      ...(password === undefined && { password: plain }),
    });
  }
  return { rows, users };
}
