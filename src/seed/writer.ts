// Bulk writes: multi-row INSERTs, one transaction per chunk of entities, sent as few round trips
// as the server's max_allowed_packet allows. The chunk's ledger rows go in the same transaction,
// so a chunk is either fully written and recorded, or not there at all.
import type { Connection } from 'mysql2/promise';
import { TABLES, type Row, type RowSet, type TableName, type Value } from './tables.js';

// eslint-disable-next-line no-control-regex -- \0 and \x1a (Ctrl-Z) must be escaped in MySQL string literals
const SPECIAL = /[\0\n\r\x1a'\\]/;
// eslint-disable-next-line no-control-regex -- as above
const SPECIAL_ALL = /[\0\n\r\x1a'\\]/g;
const ESCAPES: Record<string, string> = { '\0': '\\0', '\n': '\\n', '\r': '\\r', '\x1a': '\\Z', "'": "\\'", '\\': '\\\\' };

/** A SQL literal (the session runs without NO_BACKSLASH_ESCAPES; see prepareSession). */
export function sqlLiteral(value: Value): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'NULL';
  return SPECIAL.test(value) ? `'${value.replace(SPECIAL_ALL, (c) => ESCAPES[c]!)}'` : `'${value}'`;
}

export const quoteId = (name: string): string => `\`${name.replace(/`/g, '``')}\``;

function tuple(row: Row): string {
  let s = '(';
  for (let i = 0; i < row.length; i++) s += (i === 0 ? '' : ',') + sqlLiteral(row[i]!);
  return s + ')';
}

/** INSERT statements for `rows`, each at most about `maxBytes` long. */
export function insertStatements(table: TableName, rows: readonly Row[], maxBytes: number): string[] {
  const head = `INSERT INTO ${quoteId(table)} (${TABLES[table].columns.map(quoteId).join(',')}) VALUES `;
  const out: string[] = [];
  let parts: string[] = [];
  let size = head.length;
  for (const row of rows) {
    const t = tuple(row);
    if (parts.length > 0 && size + t.length + 1 > maxBytes) {
      out.push(head + parts.join(','));
      parts = [];
      size = head.length;
    }
    parts.push(t);
    size += t.length + 1;
  }
  if (parts.length > 0) out.push(head + parts.join(','));
  return out;
}

export interface TableRange {
  table: TableName;
  firstId: number | null;
  lastId: number | null;
  rowCount: number;
  keyValues: string[] | null;
}

/** The key range each table of a row set covers (the key is always a row's first value). */
export function rangesOf(rows: RowSet): TableRange[] {
  return rows.tables().map((table) => {
    const list = rows.rows.get(table)!;
    if (table === 'role') return { table, firstId: null, lastId: null, rowCount: list.length, keyValues: list.map((r) => String(r[0])) };
    let first = Infinity;
    let last = -Infinity;
    for (const r of list) {
      const id = r[0] as number;
      if (id < first) first = id;
      if (id > last) last = id;
    }
    return { table, firstId: first, lastId: last, rowCount: list.length, keyValues: null };
  });
}

/** A chunk ready to send: SQL packets (each below the packet limit) and what the ledger will say. */
export interface PreparedChunk {
  chunk: number;
  packets: string[];
  ranges: TableRange[];
  rowCount: number;
}

/** Serialises a row set plus its ledger rows into as few packets as fit under `maxPacket`. */
export function prepareChunk(chunk: number, rows: RowSet, ledgerSql: (ranges: TableRange[]) => string, maxPacket: number): PreparedChunk {
  const limit = Math.max(64 * 1024, Math.floor(maxPacket * 0.8));
  const statementLimit = Math.min(limit, 4 * 1024 * 1024);
  const ranges = rangesOf(rows);
  const statements: string[] = [];
  for (const table of rows.tables()) statements.push(...insertStatements(table, rows.rows.get(table)!, statementLimit));
  if (ranges.length > 0) statements.push(ledgerSql(ranges));
  const packets: string[] = [];
  let current = '';
  for (const s of statements) {
    if (current && current.length + s.length + 2 > limit) {
      packets.push(current);
      current = '';
    }
    current += (current ? ';\n' : '') + s;
  }
  if (current) packets.push(current);
  return { chunk, packets, ranges, rowCount: rows.size };
}

/** Writes a prepared chunk in one transaction; rolls back and rethrows on any error. */
export async function writeChunk(conn: Connection, prepared: PreparedChunk): Promise<void> {
  if (prepared.packets.length === 0) return;
  const packets = [...prepared.packets];
  packets[0] = 'START TRANSACTION;\n' + packets[0];
  packets[packets.length - 1] += ';\nCOMMIT';
  try {
    for (const p of packets) await conn.query(p);
  } catch (error) {
    await conn.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
