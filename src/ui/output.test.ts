import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ExitCode, InterruptedError } from '../errors.js';
import type { Io } from './io.js';
import { Output } from './output.js';

function io(signal: AbortSignal): Io & { written: () => string } {
  const stdout = new PassThrough();
  let written = '';
  stdout.on('data', (chunk: Buffer) => (written += chunk.toString('utf8')));
  return {
    stdout,
    stderr: new PassThrough(),
    stdin: new PassThrough(),
    env: {},
    cwd: '/',
    signal,
    written: () => written,
  };
}

describe('Output.result after Ctrl-C', () => {
  it('prints the result when nothing stopped the command', () => {
    const edges = io(new AbortController().signal);
    new Output(edges, { json: true }).result({ status: 'seeded' }, () => 'seeded');
    expect(JSON.parse(edges.written())).toEqual({ status: 'seeded' });
  });

  it('prints nothing and ends as interrupted (130) when the use case finished after the signal', () => {
    const stop = new AbortController();
    stop.abort();
    for (const json of [true, false]) {
      const edges = io(stop.signal);
      const out = new Output(edges, { json, plain: true });
      let thrown: unknown;
      try {
        out.result({ status: 'seeded' }, () => 'seeded');
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InterruptedError);
      expect((thrown as InterruptedError).exitCode).toBe(ExitCode.interrupted);
      expect(edges.written()).toBe('');
    }
  });

  it('prints a result that must stand even so (a promotion past its switch)', () => {
    const stop = new AbortController();
    stop.abort();
    const edges = io(stop.signal);
    new Output(edges, { plain: true }).result({ live: 'green' }, () => 'green is live', {
      evenIfInterrupted: true,
    });
    expect(edges.written()).toBe('green is live\n');
  });
});
