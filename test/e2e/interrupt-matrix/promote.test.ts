// The kill-and-interrupt matrix of `omrs promote` (the harness API server with kwok nodes for
// blue/green, the AWS emulator for the RDS snapshot and the SSM fingerprint, a compose stack as
// the smoke-test target; the shared setup of test/e2e/promote). The built CLI is interrupted when
// the NDJSON event of a step starts: SIGINT and SIGTERM end it with 130, and after any signal the
// colour that was live still serves, unchanged; the same promote again converges (exit 0, the idle
// colour live, the promotion recorded once) and every namespace keeps all its omrs labels.
//
// Cells (one signal per step, rotating SIGINT → SIGTERM → kill -9, so the file runs in minutes):
// lock, snapshot, deploy, smoke and switch. The switch is the point of no return: SIGINT or
// SIGTERM from its start lets it finish and be recorded, with a warning that says so (exit 0).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { buildPrivateCli, type BuiltCli } from '../../helpers/built-cli.js';
import { engines, NS, PROFILE, usePromoteSetup } from '../promote/setup.js';
import { drive, expectInterrupted, missedCells, parsed, type MatrixSignal } from './drive.js';

const ROOT = join(import.meta.dirname, '../../..');
const ROTATION: MatrixSignal[] = ['SIGINT', 'SIGTERM', 'SIGKILL'];
const STEPS = ['lock', 'snapshot', 'deploy', 'smoke', 'switch'];
const OMRS_LABELS = [
  'omrs.dev/env',
  'omrs.dev/profile',
  'omrs.dev/app-digest',
  'app.kubernetes.io/managed-by',
];

describe.skipIf(!engines)(
  'kill-and-interrupt matrix, omrs promote (kwok API server + AWS emulator, built CLI)',
  { timeout: 900_000 },
  () => {
    const setup = usePromoteSetup();
    const { env, qaRecord, common, promote, live, records } = setup;
    let cli: BuiltCli;

    async function unlabelled(): Promise<string[]> {
      const namespaces = (await setup.ctx.core.listNamespace()).items.filter((n) =>
        n.metadata!.name!.startsWith(NS),
      );
      return namespaces.flatMap((n) =>
        OMRS_LABELS.filter((l) => !n.metadata?.labels?.[l]).map((l) => `${n.metadata!.name!}: no ${l}`),
      );
    }

    it('first promotion makes green live', async () => {
      cli = buildPrivateCli('interrupt-matrix-promote');
      const fp = await runCli(['promote', 'fingerprint', '--profile', PROFILE, '--record'], { env });
      expect(fp.code, fp.stderr).toBe(0);
      const run = await promote();
      expect(run.code, run.stderr).toBe(0);
      expect(await live()).toBe('green');
    }, 300_000);

    it('one signal at each step (rotating): the live colour serves on; promote again converges', async () => {
      try {
        for (const [i, step] of STEPS.entries()) {
          const signal = ROTATION[i % ROTATION.length]!;
          const cell = `promote, ${signal} at ${step}`;
          const before = await live();
          const idle = before === 'green' ? 'blue' : 'green';
          const recorded = (await records()).length;
          const run = await drive({
            cli,
            args: ['promote', ...common(), '--approve-record', qaRecord],
            env,
            cwd: ROOT,
            at: (e) => e.id === step && e.status === 'started',
            signal,
          });
          // The switch is promote's point of no return: a signal from then on lets it finish, record
          // and say so (exit 0; running promote again would promote again).
          const committed =
            step === 'switch' &&
            run.code === 0 &&
            /the promotion is complete and recorded/.test(run.stderr) &&
            (parsed(run.stdout) as { live?: string }).live === idle;
          if (!committed) expectInterrupted(run, signal, cell);
          // Stopped before its switch, nothing changed for the users; at the switch, either colour is whole.
          if (step !== 'switch') expect(await live(), cell).toBe(before);
          expect(await unlabelled(), cell).toEqual([]);

          if (committed) {
            expect(await live(), cell).toBe(idle);
            expect((await records()).at(-1), cell).toMatchObject({ to: idle, result: 'succeeded' });
            continue;
          }
          const again = await promote('--json');
          expect(again.code, `${cell}: promote again\n${again.stderr.slice(-2000)}`).toBe(0);
          const now = await live();
          // A kill in the switch may have made the idle colour live already: then promote goes on to the next.
          expect([idle, before], cell).toContain(now);
          expect((parsed(again.stdout) as { live?: string }).live, cell).toBe(now);
          const after = await records();
          expect(after.length, `${cell}: records`).toBeGreaterThan(recorded);
          expect(after.at(-1), cell).toMatchObject({ action: 'promote', to: now, result: 'succeeded' });
          expect(await unlabelled(), cell).toEqual([]);
        }
      } finally {
        console.info(
          `interrupt matrix (promote): cells the signal missed: ${missedCells.join('; ') || 'none'}`,
        );
        cli?.remove();
      }
    });
  },
);
