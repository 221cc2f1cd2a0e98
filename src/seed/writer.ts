// Bulk writes: multi-row INSERTs, one transaction per chunk of entities, sent as few round trips
// as the server's max_allowed_packet allows. The chunk's ledger rows go in the same transaction,
// so a chunk is either fully written and recorded, or not there at all.
import { Readable } from 'node:stream';
import type { Connection } from 'mysql2/promise';
import { TABLES, type Row, type RowSet, type TableName, type Value } from './tables.js';

// eslint-disable-next-line no-control-regex -- \0 and \x1a (Ctrl-Z) must be escaped in MySQL string literals
const SPECIAL = /[\0\n\r\x1a'\\]/;
// eslint-disable-next-line no-control-regex -- as above
const SPECIAL_ALL = /[\0\n\r\x1a'\\]/g;
const ESCAPES: Record<string, string> = {
  '\0': '\\0',
  '\n': '\\n',
  '\r': '\\r',
  '\x1a': '\\Z',
  "'": "\\'",
  '\\': '\\\\',
};

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
    if (table === 'role')
      return {
        table,
        firstId: null,
        lastId: null,
        rowCount: list.length,
        keyValues: list.map((r) => String(r[0])),
      };
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
  /** The rows themselves, kept only for the LOAD DATA writer. */
  rows?: RowSet;
  ledger?: string;
  packets: string[];
  ranges: TableRange[];
  rowCount: number;
}

/** Serialises a row set plus its ledger rows into as few packets as fit under `maxPacket`. */
export function prepareChunk(
  chunk: number,
  rows: RowSet,
  ledgerSql: (ranges: TableRange[]) => string,
  maxPacket: number,
  mode: 'insert' | 'load-data' = 'insert',
): PreparedChunk {
  if (mode === 'load-data') {
    const ranges = rangesOf(rows);
    return {
      chunk,
      rows,
      ledger: ranges.length > 0 ? ledgerSql(ranges) : undefined,
      packets: [],
      ranges,
      rowCount: rows.size,
    };
  }
  const limit = Math.max(64 * 1024, Math.floor(maxPacket * 0.8));
  const statementLimit = Math.min(limit, 4 * 1024 * 1024);
  const ranges = rangesOf(rows);
  const statements: string[] = [];
  for (const table of rows.tables())
    statements.push(...insertStatements(table, rows.rows.get(table)!, statementLimit));
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
  if (prepared.rows)
    return prepared.rows.size > 0 ? writeChunkLoadData(conn, prepared.rows, prepared.ledger) : undefined;
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

/** A value in LOAD DATA's default text format (tab-separated, backslash escapes, \N for NULL). */
function tsvField(value: Value): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '\\N';
  return /[\t\n\r\\\0]/.test(value)
    ? value.replace(
        /[\t\n\r\\\0]/g,
        (c) => ({ '\t': '\\t', '\n': '\\n', '\r': '\\r', '\\': '\\\\', '\0': '\\0' })[c]!,
      )
    : value;
}

export function tsv(rows: readonly Row[]): string {
  let out = '';
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) out += (i === 0 ? '' : '\t') + tsvField(row[i]!);
    out += '\n';
  }
  return out;
}

/**
 * The LOAD DATA LOCAL INFILE variant of writeChunk (measured against multi-row INSERT in
 * bench/seed.mjs): one LOAD DATA per table, streamed from memory, inside one transaction.
 */
export async function writeChunkLoadData(
  conn: Connection,
  rows: RowSet,
  ledgerSql: string | undefined,
): Promise<void> {
  await conn.query('START TRANSACTION');
  try {
    for (const table of rows.tables()) {
      const body = tsv(rows.rows.get(table)!);
      const list = rows.rows.get(table)!;
      const [res] = await conn.query({
        sql: `LOAD DATA LOCAL INFILE 'omrs-seed:${table}' INTO TABLE ${quoteId(table)} CHARACTER SET utf8mb4 (${TABLES[table].columns.map(quoteId).join(',')})`,
        infileStreamFactory: () => Readable.from([Buffer.from(body, 'utf8')]),
      });
      // LOCAL turns duplicate-key and conversion errors into warnings: insist on every row.
      const affected = (res as { affectedRows?: number }).affectedRows;
      if (affected !== list.length)
        throw new Error(`LOAD DATA into ${table} wrote ${affected} of ${list.length} rows`);
    }
    if (ledgerSql) await conn.query(ledgerSql);
    await conn.query('COMMIT');
  } catch (error) {
    await conn.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
