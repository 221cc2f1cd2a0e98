// `omrs seed --purge` stopped half-way (Ctrl-C through the CLI's AbortSignal): exit 130, the run is
// shown as purging (not done) by `--status`, and the next `--purge` removes the rest exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { requireEngine } from '../../helpers/engines.js';
import { cloneTemplate, dropDatabase } from '../../helpers/mariadb.js';
import { counts, dbUrl, foreignKeyViolations, uniqueDbName, withDb } from './db.js';

const engine = requireEngine('mariadb');

describe.skipIf(!engine)('omrs seed --purge interrupted half-way', () => {
  const e = engine!;
  const db = uniqueDbName('omrs_purge_intr');
  const url = () => dbUrl(e, db);
  beforeAll(() => cloneTemplate(e, db));
  afterAll(() => dropDatabase(e, db));

  it('exits 130, --status shows the run as purging, the next --purge finishes it exactly', async () => {
    const before = await withDb(e, db, (c) => counts(c));
    // 7 patient chunks: the purge removes them one transaction each, so it can stop between two.
    const seeded = await runCli(['seed', '--db', url(), '--size', 'medium', '--seed', '21', '--json']);
    expect(seeded.code, seeded.stderr.slice(-2000)).toBe(0);
    const { runId } = JSON.parse(seeded.stdout) as { runId: string };

    const controller = new AbortController();
    const purge = await runCli(['seed', '--db', url(), '--purge', '--json'], {
      signal: controller.signal,
      onStderr: (text) => {
        if (!controller.signal.aborted && /"type":"progress","step":"seed:purge:/.test(text))
          controller.abort();
      },
    });
    expect(controller.signal.aborted).toBe(true);
    expect(purge.code, purge.stderr.slice(-2000)).toBe(130);
    expect(purge.stdout).toMatch(/"code": "INTERRUPTED"/);

    const status = await runCli(['seed', '--db', url(), '--status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    const runs = (JSON.parse(status.stdout) as { runs: { runId: string; status: string; rows: number }[] })
      .runs;
    expect(runs.map((r) => ({ runId: r.runId, status: r.status }))).toEqual([{ runId, status: 'purging' }]);
    const text = await runCli(['seed', '--db', url(), '--status']);
    expect(text.stdout).toMatch(new RegExp(`${runId}\\s+purging`));

    const again = await runCli(['seed', '--db', url(), '--purge', '--json']);
    expect(again.code, again.stderr.slice(-2000)).toBe(0);
    await withDb(e, db, async (conn) => {
      expect(await counts(conn)).toEqual(before);
      expect(await foreignKeyViolations(conn)).toEqual([]);
    });
    const after = await runCli(['seed', '--db', url(), '--status', '--json']);
    expect((JSON.parse(after.stdout) as { runs: { status: string }[] }).runs.map((r) => r.status)).toEqual([
      'purged',
    ]);
  });
});
