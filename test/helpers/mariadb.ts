// Fresh OpenMRS databases for tests, copied from the template that test/harness/engines/mariadb.sh
// loaded once (the OpenMRS 2.8 fixture: schema + core data).
//
// cloneTemplate re-creates every table of the template from its SHOW CREATE TABLE (indexes and
// foreign keys included) and copies the rows with INSERT ... SELECT, all in one multi-statement
// round trip with foreign key checks off. Measured against loading the fixture SQL again and
// against mariadb-dump | mariadb: see test/harness/README.md (MariaDB on the host).
import mysql from 'mysql2/promise';
import type { MariadbEngine } from './engines.js';

const NAME = /^[A-Za-z0-9_]{1,64}$/;
const ddlCache = new Map<string, Promise<{ table: string; ddl: string }[]>>();

function checkName(name: string): string {
  if (!NAME.test(name))
    throw new Error(`not a safe database name: ${JSON.stringify(name)} (letters, digits, _)`);
  return name;
}

export async function connect(engine: MariadbEngine, database?: string): Promise<mysql.Connection> {
  return mysql.createConnection({
    host: engine.host,
    port: engine.port,
    user: engine.user,
    password: engine.password,
    database,
    multipleStatements: true,
    charset: 'utf8mb4',
  });
}

async function templateDdl(
  conn: mysql.Connection,
  template: string,
): Promise<{ table: string; ddl: string }[]> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE' ORDER BY table_name",
    [template],
  );
  if (rows.length === 0)
    throw new Error(`template database ${template} has no tables: run npm run engines -- up mariadb`);
  const out: { table: string; ddl: string }[] = [];
  for (const row of rows) {
    const table = String(row.t);
    const [create] = await conn.query<mysql.RowDataPacket[]>(
      `SHOW CREATE TABLE \`${template}\`.\`${table}\``,
    );
    out.push({ table, ddl: String(create[0]!['Create Table']) });
  }
  return out;
}

/** Creates database `name` (dropping an existing one) as an independent copy of the template. */
export async function cloneTemplate(engine: MariadbEngine, name: string): Promise<void> {
  const db = checkName(name);
  const template = checkName(engine.templateDatabase);
  const conn = await connect(engine);
  try {
    const key = `${engine.host}:${engine.port}/${template}`;
    let ddl = ddlCache.get(key);
    if (!ddl) {
      ddl = templateDdl(conn, template);
      ddlCache.set(key, ddl);
      ddl.catch(() => ddlCache.delete(key));
    }
    const tables = await ddl;
    const sql = [
      'SET FOREIGN_KEY_CHECKS=0',
      `DROP DATABASE IF EXISTS \`${db}\``,
      `CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
      `USE \`${db}\``,
      ...tables.map((t) => t.ddl),
      'START TRANSACTION',
      ...tables.map(
        (t) => `INSERT INTO \`${db}\`.\`${t.table}\` SELECT * FROM \`${template}\`.\`${t.table}\``,
      ),
      'COMMIT',
      'SET FOREIGN_KEY_CHECKS=1',
    ].join(';\n');
    await conn.query(sql);
  } finally {
    await conn.end();
  }
}

export async function dropDatabase(engine: MariadbEngine, name: string): Promise<void> {
  const conn = await connect(engine);
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${checkName(name)}\``);
  } finally {
    await conn.end();
  }
}
