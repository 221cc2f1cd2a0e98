import { PassThrough } from 'node:stream';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { CollectingStream } from '../../test/helpers/cli.js';
import { stripAnsi } from '../../test/helpers/ink.js';
import { EventBus, step } from '../events/bus.js';
import type { Io } from './io.js';
import { ProgressView, createViewStore, renderProgress } from './progress-view.js';

function fakeIo(): Io & { stdout: CollectingStream; stderr: CollectingStream } {
  return {
    stdout: new CollectingStream(true, 100),
    stderr: new CollectingStream(true, 100),
    stdin: new PassThrough(),
    env: {},
    cwd: '/',
    signal: new AbortController().signal,
  };
}

describe('renderProgress', () => {
  it('draws the final state on stderr and leaves stdout to the result', async () => {
    const io = fakeIo();
    const bus = new EventBus();
    const view = renderProgress(bus, io, 'omrs up dev');
    bus.emit({ type: 'info', message: 'using profile dev' });
    await step(bus, 'profile', 'Resolve profile', async () => undefined);
    bus.emit({ type: 'step', id: 'db', title: 'Start database', status: 'started' });
    bus.emit({
      type: 'resource',
      name: 'db',
      kind: 'StatefulSet',
      runtime: 'ok',
      health: 'healthy',
      ports: ['3306'],
    });
    bus.emit({
      type: 'warning',
      message: 'the admin password is the default',
      hint: 'set OMRS_ADMIN_PASSWORD',
    });
    bus.emit({ type: 'log', source: 'db', line: 'ready for connections' });
    bus.emit({ type: 'step', id: 'db', title: 'Start database', status: 'done', durationMs: 4200 });
    await view.unmount();

    expect(io.stdout.text()).toBe('');
    const screen = stripAnsi(io.stderr.text());
    expect(screen).toContain('omrs up dev');
    expect(screen).toMatch(/✔ Resolve profile/);
    expect(screen).toContain('✔ Start database (4.2s)');
    expect(screen).toMatch(/NAME\s+KIND\s+STATE\s+HEALTH\s+RESTARTS\s+PORTS\s+AGE/);
    expect(screen).toMatch(/db\s+StatefulSet\s+ok\s+healthy\s+0\s+3306/);
    expect(screen).toContain('! the admin password is the default');
    expect(screen).toContain('set OMRS_ADMIN_PASSWORD');
    expect(screen).toContain('using profile dev');
    expect(screen).not.toContain('ready for connections');
  });

  it('adds the last log lines when verbose, and stops listening after unmount', async () => {
    const io = fakeIo();
    const bus = new EventBus();
    const view = renderProgress(bus, io, undefined, { verbosity: 'verbose' });
    for (let i = 1; i <= 12; i++) bus.emit({ type: 'log', source: 'backend', line: `line ${i}` });
    await view.unmount();
    const screen = stripAnsi(io.stderr.text());
    expect(screen).toContain('backend | line 12');
    expect(screen).toContain('backend | line 5');
    const written = io.stderr.text().length;
    bus.emit({ type: 'log', source: 'backend', line: 'after unmount' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(io.stderr.text().length).toBe(written);
  });
});

describe('the compact progress view (the shell on a 24-row terminal)', () => {
  it('keeps the steps and the warnings, and leaves out the service table and the info lines', () => {
    const bus = new EventBus();
    const store = createViewStore(bus);
    bus.emit({ type: 'step', id: 'db', title: 'Database ready', status: 'done', durationMs: 1200 });
    bus.emit({ type: 'resource', name: 'db', kind: 'StatefulSet', runtime: 'ok', health: 'healthy' });
    bus.emit({ type: 'info', message: 'db: created' });
    bus.emit({ type: 'warning', message: 'the admin password is the default' });
    const full = render(<ProgressView store={store} title="omrs up dev" />);
    expect(stripAnsi(full.lastFrame())).toMatch(/db\s+StatefulSet\s+ok/);
    expect(stripAnsi(full.lastFrame())).toContain('db: created');
    full.unmount();
    const compact = render(<ProgressView store={store} title="omrs up dev" compact />);
    const frame = stripAnsi(compact.lastFrame());
    expect(frame).toContain('✔ Database ready');
    expect(frame).toContain('! the admin password is the default');
    expect(frame).not.toMatch(/StatefulSet/);
    expect(frame).not.toContain('db: created');
    compact.unmount();
    store.close();
  });
});
