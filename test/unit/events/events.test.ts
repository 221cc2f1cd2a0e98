import { PassThrough } from 'node:stream';
import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { EventBus, step } from '../../../src/events/bus.js';
import { emptyViewState, reduce } from '../../../src/events/state.js';
import type { TimedEvent } from '../../../src/events/types.js';
import { printJsonEvents } from '../../../src/ui/printers/json.js';
import { printPlainEvents } from '../../../src/ui/printers/plain.js';

const collect = () => {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
};

describe('event bus', () => {
  it('stamps events and delivers them to every subscriber until unsubscribed', () => {
    let now = 1000;
    const bus = new EventBus(() => now++);
    const a: TimedEvent[] = [];
    const b: TimedEvent[] = [];
    const stopA = bus.subscribe((e) => a.push(e));
    bus.subscribe((e) => b.push(e));
    bus.emit({ type: 'info', message: 'one' });
    stopA();
    bus.emit({ type: 'info', message: 'two' });
    expect(a).toEqual([{ type: 'info', message: 'one', at: 1000 }]);
    expect(b.map((e) => e.at)).toEqual([1000, 1001]);
  });

  it('step() reports started and done, or failed with the first line of the reason, and rethrows it whole', async () => {
    const bus = new EventBus();
    const seen: TimedEvent[] = [];
    bus.subscribe((e) => seen.push(e));
    await expect(step(bus, 'db', 'database ready', async () => 42)).resolves.toBe(42);
    await expect(
      step(bus, 'be', 'backend healthy', async () => Promise.reject(new Error('timed out\n  last log line'))),
    ).rejects.toThrow('timed out\n  last log line');
    expect(seen.map((e) => (e.type === 'step' ? `${e.id}:${e.status}` : e.type))).toEqual([
      'db:started',
      'db:done',
      'be:started',
      'be:failed',
    ]);
    expect(seen[3]).toMatchObject({ detail: 'timed out' });
  });
});

describe('reduce', () => {
  const at = (e: object, t = 0) => ({ ...e, at: t }) as TimedEvent;
  it('folds steps, progress, resources and logs into a view model', () => {
    let s = emptyViewState();
    s = reduce(s, at({ type: 'step', id: 'seed', title: 'seed', status: 'started' }, 1));
    s = reduce(s, at({ type: 'progress', step: 'seed', current: 5, total: 10, unit: 'rows' }, 2));
    s = reduce(s, at({ type: 'resource', name: 'backend', kind: 'Deployment', runtime: 'starting' }, 3));
    s = reduce(
      s,
      at({ type: 'resource', name: 'backend', kind: 'Deployment', runtime: 'ok', health: 'healthy' }, 4),
    );
    s = reduce(s, at({ type: 'step', id: 'seed', title: 'seed', status: 'done', durationMs: 3 }, 5));
    s = reduce(s, at({ type: 'log', source: 'backend', line: 'started' }, 6));
    expect(s.steps).toEqual([
      {
        id: 'seed',
        title: 'seed',
        status: 'done',
        startedAt: 1,
        durationMs: 3,
        progress: { current: 5, total: 10, unit: 'rows', message: undefined },
      },
    ]);
    expect(s.resources).toEqual([
      {
        name: 'backend',
        kind: 'Deployment',
        runtime: 'ok',
        health: 'healthy',
        restarts: 0,
        ports: [],
        since: 4,
      },
    ]);
    expect(s.logs).toEqual([{ source: 'backend', line: 'started', at: 6 }]);
  });

  it('keeps a bounded log', () => {
    let s = emptyViewState();
    for (let i = 0; i < 600; i++) s = reduce(s, at({ type: 'log', source: 'x', line: String(i) }));
    expect(s.logs).toHaveLength(500);
    expect(s.logs[0]!.line).toBe('100');
  });
});

describe('printers', () => {
  const c = pc.createColors(false);
  const events = (bus: EventBus) => {
    bus.emit({ type: 'step', id: 'db', title: 'database ready', status: 'started' });
    bus.emit({ type: 'log', source: 'db', line: 'mariadbd: ready for connections' });
    bus.emit({ type: 'step', id: 'db', title: 'database ready', status: 'done', durationMs: 1500 });
    bus.emit({ type: 'warning', message: 'port 8080 is taken', hint: 'using 8081' });
    bus.emit({ type: 'debug', message: 'internal detail' });
  };

  it('plain: one line per change; logs only when verbose; debug only with --debug', () => {
    const normal = collect();
    const bus = new EventBus();
    printPlainEvents(bus, normal.stream, 'normal', c);
    events(bus);
    expect(normal.text()).toBe(
      '• database ready…\n✔ database ready (1.5s)\n! port 8080 is taken\n  using 8081\n',
    );

    const verbose = collect();
    const bus2 = new EventBus();
    printPlainEvents(bus2, verbose.stream, 'debug', c);
    events(bus2);
    expect(verbose.text()).toContain('db | mariadbd: ready for connections');
    expect(verbose.text()).toContain('debug: internal detail');
  });

  it('plain --quiet prints only failures and warnings', () => {
    const quiet = collect();
    const bus = new EventBus();
    printPlainEvents(bus, quiet.stream, 'quiet', c);
    events(bus);
    bus.emit({
      type: 'step',
      id: 'be',
      title: 'backend healthy',
      status: 'failed',
      detail: 'timed out after 15m',
    });
    expect(quiet.text()).toBe('! port 8080 is taken\n  using 8081\n✖ backend healthy: timed out after 15m\n');
  });

  it('json: one parseable object per line', () => {
    const out = collect();
    const bus = new EventBus();
    printJsonEvents(bus, out.stream, 'normal');
    events(bus);
    const lines = out
      .text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect(lines.map((l) => l.type)).toEqual(['step', 'log', 'step', 'warning']);
  });
});
