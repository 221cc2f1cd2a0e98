// Drives the built CLI for the kill-and-interrupt matrix: runs a command with --json, reads its
// NDJSON events on stderr and sends the signal when the step event it waits for arrives (never
// after a sleep). kill -9 goes to the whole process group, as a closed terminal or a cancelled CI
// job does (helm and the seed's client die with omrs); SIGINT and SIGTERM go to omrs alone, which
// must stop its children itself.
import { spawn } from 'node:child_process';
import { expect } from 'vitest';
import type { StepEvent } from '../../../src/events/types.js';
import type { BuiltCli } from '../../helpers/built-cli.js';

export type MatrixSignal = 'SIGKILL' | 'SIGINT' | 'SIGTERM';

export interface Interrupted {
  /** Exit code, null when a signal ended the process (kill -9). */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Whether the step event came and the signal was sent. */
  sent: boolean;
  /** Whether a second SIGINT was sent (after omrs said it was stopping). */
  sentTwice: boolean;
  stdout: string;
  stderr: string;
}

export interface DriveOptions {
  cli: BuiltCli;
  args: string[];
  env: Record<string, string | undefined>;
  cwd: string;
  /** The step event to interrupt at (the first one it accepts). */
  at: (event: StepEvent) => boolean;
  signal: MatrixSignal;
  /** SIGINT only: a second Ctrl-C as soon as omrs says "Stopping…", which must end it at once. */
  twice?: boolean;
}

/** The step events of a run's NDJSON stream (stderr with --json). */
export function stepEvents(stderr: string): StepEvent[] {
  const events: StepEvent[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{"type":"step"')) continue;
    try {
      events.push(JSON.parse(line) as StepEvent);
    } catch {
      // a line cut by kill -9
    }
  }
  return events;
}

/** Step ids in the order they started. */
export const startedSteps = (stderr: string): string[] =>
  stepEvents(stderr)
    .filter((e) => e.status === 'started')
    .map((e) => e.id);

export function drive(o: DriveOptions): Promise<Interrupted> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, FORCE_COLOR: undefined, ...o.env }))
    if (v !== undefined) env[k] = v;
  const child = spawn(process.execPath, [o.cli.bin, ...o.args, '--json'], {
    cwd: o.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  let sent = false;
  let sentTwice = false;
  let scanned = 0;
  const send = (): void => {
    sent = true;
    if (o.signal === 'SIGKILL') {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    } else child.kill(o.signal);
  };
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr += text;
    if (!sent) {
      const end = stderr.lastIndexOf('\n') + 1;
      const lines = stderr.slice(scanned, end);
      scanned = end;
      if (stepEvents(lines).some(o.at)) send();
    } else if (o.twice && !sentTwice && stderr.includes('Stopping…')) {
      sentTwice = true;
      child.kill('SIGINT');
    }
  });
  return new Promise((resolve) =>
    child.once('close', (code, signal) => {
      // Whatever a kill -9 left of the group (helm, a port-forward) goes with it.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // the group is gone
      }
      resolve({ code, signal, sent, sentTwice, stdout, stderr });
    }),
  );
}

/** Runs the built CLI to its end with --json (the clean and the converging runs). */
export async function runToEnd(
  o: Omit<DriveOptions, 'at' | 'signal' | 'twice'>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = await drive({ ...o, at: () => false, signal: 'SIGTERM' });
  return { code: run.code, stdout: run.stdout, stderr: run.stderr };
}

/** What the assertion messages show of a run: its last events and its result. */
export const tail = (run: { stdout: string; stderr: string }): string =>
  `stderr: …${run.stderr.slice(-1500)}\nstdout: ${run.stdout.slice(0, 800)}`;

/** The exit a signal must give: 130 for SIGINT and SIGTERM, death by signal for kill -9. */
export function expectedEnd(signal: MatrixSignal): { code: number | null; signal: NodeJS.Signals | null } {
  return signal === 'SIGKILL' ? { code: null, signal: 'SIGKILL' } : { code: 130, signal: null };
}

/** The JSON document a run printed on stdout, or undefined when there is none. */
export function parsed(stdout: string): unknown {
  try {
    return JSON.parse(stdout) as unknown;
  } catch {
    return undefined;
  }
}

/** Cells whose signal came after the command had finished its work (see expectInterrupted). */
export const missedCells: string[] = [];

/**
 * A run interrupted at its step: the signal was sent, and it ended as the signal asks (130 or
 * killed). One exception, for a last step that has nothing to wait for (kwok marks pods ready at
 * once): the command may end before the signal reaches it; then it exited 0 without ever saying
 * "Stopping…" (which omrs prints the moment a signal arrives), and the cell is counted as missed.
 * A run that said "Stopping…" and still exited 0 fails. Answers whether the cell was hit.
 */
export function expectInterrupted(run: Interrupted, signal: MatrixSignal, cell: string): boolean {
  expect(run.sent, `${cell}: the step never started\n${tail(run)}`).toBe(true);
  if (run.code === 0 && !run.stderr.includes('Stopping…')) {
    missedCells.push(cell);
    return false;
  }
  expect({ code: run.code, signal: run.signal }, `${cell}\n${tail(run)}`).toEqual(expectedEnd(signal));
  if (signal === 'SIGKILL') return true;
  expect(run.stdout + run.stderr, cell).not.toMatch(/Internal error|"code":\s*"INTERNAL"/);
  // --json: the interruption is the result on stdout, like any error.
  expect(parsed(run.stdout), `${cell}\n${tail(run)}`).toMatchObject({
    error: { code: 'INTERRUPTED', exitCode: 130 },
  });
  return true;
}

/** `omrs seed --status --json` after an interrupted seed run and the same command again: one run, done, whole. */
export function expectOneDoneRun(statusStdout: string, seed: number, patients: number, cell: string): void {
  const status = parsed(statusStdout) as
    { runs: { seed: number; status: string; tables: Record<string, number> }[] } | undefined;
  // One run per seed number: the interrupted one resumed, not a second one beside it.
  expect(
    status?.runs
      .filter((r) => r.seed === seed)
      .map((r) => ({ status: r.status, patients: r.tables.patient })),
    `ledger after ${cell}`,
  ).toEqual([{ status: 'done', patients }]);
}
