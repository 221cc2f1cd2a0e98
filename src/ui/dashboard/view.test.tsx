import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { OmrsEvent } from '../../events/types.js';
import { foldEvents, stripAnsi } from '../../../test/helpers/ink.js';
import { dashReducer, initialDash, type DashEvent, type DashState } from './keys.js';
import { DashboardView } from './view.js';

const START = 1_000_000;

const UP: OmrsEvent[] = [
  { type: 'step', id: 'render', title: 'Render the chart and translate it', status: 'started' },
  {
    type: 'step',
    id: 'render',
    title: 'Render the chart and translate it',
    status: 'done',
    durationMs: 1500,
  },
  { type: 'resource', name: 'db', kind: 'StatefulSet', runtime: 'pending', health: 'unknown' },
  { type: 'resource', name: 'backend-default', kind: 'Deployment', runtime: 'pending', health: 'unknown' },
  { type: 'resource', name: 'gateway', kind: 'Deployment', runtime: 'pending', health: 'unknown' },
  { type: 'step', id: 'database', title: 'Database ready', status: 'started' },
  { type: 'resource', name: 'db', kind: 'StatefulSet', runtime: 'ok', health: 'healthy', ports: ['3306'] },
  { type: 'step', id: 'database', title: 'Database ready', status: 'done', durationMs: 4200 },
  { type: 'resource', name: 'backend-default', kind: 'Deployment', runtime: 'ok', health: 'healthy' },
  {
    type: 'resource',
    name: 'gateway',
    kind: 'Deployment',
    runtime: 'ok',
    health: 'healthy',
    ports: ['18080→80'],
  },
];

const keys = (...events: DashEvent[]): DashState => events.reduce(dashReducer, initialDash);

function frame(
  props: Partial<Parameters<typeof DashboardView>[0]> & { events?: OmrsEvent[] } = {},
): string[] {
  const { events = UP, ...rest } = props;
  const state = foldEvents(events, START, 1000);
  const { lastFrame, unmount } = render(
    <DashboardView
      env="dash-1"
      url="http://localhost:18080/openmrs/spa/"
      state={state}
      dash={initialDash}
      logs={[]}
      now={START + 75_000}
      {...rest}
    />,
  );
  const lines = stripAnsi(lastFrame()).split('\n');
  unmount();
  return lines;
}

describe('DashboardView', () => {
  it('shows the steps of up, the services with a cursor, the log pane of the selected service and the keys', () => {
    const lines = frame({
      dash: keys({ type: 'toggleLogs' }),
      logs: ['Server startup in 812 ms', 'GET /openmrs/health/started 200'],
    });
    expect(lines[0]).toBe('omrs · dash-1 http://localhost:18080/openmrs/spa/');
    expect(lines[1]).toBe('✔ Render the chart and translate it (1.5s)');
    expect(lines[2]).toBe('✔ Database ready (4.2s)');
    expect(lines).toContain('  NAME             KIND         STATE  HEALTH   RESTARTS  PORTS     AGE');
    expect(lines).toContain('❯ db               StatefulSet  ok     healthy  0         3306      1m');
    expect(lines).toContain('  backend-default  Deployment   ok     healthy  0         -         1m');
    expect(lines.join('\n')).toMatch(/logs · db \(following; l hides\)/);
    expect(lines.join('\n')).toContain('Server startup in 812 ms');
    expect(lines.at(-1)).toBe(
      '↑/↓ select  l logs  r restart  s seed  d down  o open  g grafana  q quit (keeps it running)',
    );
  });

  it('moves the cursor, starts without the log pane and asks before taking the environment down', () => {
    const dash = keys(
      { type: 'move', by: 1, count: 3 },
      { type: 'move', by: 5, count: 3 },
      { type: 'askDown' },
    );
    const lines = frame({ dash, logs: ['hidden line'] });
    expect(lines).toContain('❯ gateway          Deployment   ok     healthy  0         18080→80  1m');
    expect(lines.join('\n')).not.toContain('hidden line');
    expect(lines.at(-2)).toBe('? Take dash-1 down? Its volumes (the database) are kept. y/n');
  });

  it('shows a restart under way, then its result, from the restart events', () => {
    const restarting: OmrsEvent[] = [
      ...UP,
      {
        type: 'resource',
        name: 'backend-default',
        kind: 'Deployment',
        runtime: 'starting',
        health: 'starting',
        detail: 'restarting',
      },
    ];
    const busy = keys(
      { type: 'move', by: 1, count: 3 },
      { type: 'started', busy: 'restarting backend-default' },
    );
    let lines = frame({ events: restarting, dash: busy });
    expect(lines).toContain('❯ backend-default  Deployment   starting  starting  0         -         1m');
    expect(lines.at(-2)!.slice(1)).toBe(' restarting backend-default…');

    const done = dashReducer(busy, {
      type: 'finished',
      notice: { tone: 'ok', text: 'backend-default restarted and healthy again (3.1s)' },
    });
    lines = frame({
      events: [
        ...restarting,
        { type: 'resource', name: 'backend-default', kind: 'Deployment', runtime: 'ok', health: 'healthy' },
      ],
      dash: done,
    });
    expect(lines).toContain('❯ backend-default  Deployment   ok     healthy  0         -         1m');
    expect(lines.at(-2)).toBe('✔ backend-default restarted and healthy again (3.1s)');
  });

  it('shows only the last lines that fit the pane', () => {
    const logs = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
    const text = frame({ dash: keys({ type: 'toggleLogs' }), logs, logLines: 4 }).join('\n');
    expect(text).not.toContain('line 26');
    expect(text).toMatch(/line 27[\s\S]*line 30/);
  });
});

describe('dashReducer', () => {
  it('cancels a down on any answer but y, and marks the env down when the down finished', () => {
    expect(keys({ type: 'askDown' }, { type: 'answer', yes: false })).toMatchObject({
      confirmDown: false,
      notice: { text: 'down cancelled' },
    });
    const down = keys(
      { type: 'started', busy: 'down' },
      { type: 'finished', notice: { tone: 'ok', text: 'down' }, down: true },
    );
    expect(down).toMatchObject({ down: true, busy: undefined });
    expect(dashReducer(down, { type: 'askDown' }).confirmDown).toBe(false);
  });

  it('keeps the cursor inside the list', () => {
    expect(keys({ type: 'move', by: -1, count: 3 }).cursor).toBe(0);
    expect(keys({ type: 'move', by: 9, count: 3 }).cursor).toBe(2);
  });
});

describe('DashboardView with monitoring on', () => {
  it('with monitoring on: the firing alerts (where, since when, what), pending ones, or that none fire', () => {
    const firing = {
      name: 'BackendDown',
      severity: 'critical',
      summary: 'no scrape',
      since: '2026-12-06T21:03:00.512Z',
      labels: { tenant: 'default', service: 'backend', environment: 'dash-1' },
    };
    const lines = frame({
      monitoring: { url: 'http://127.0.0.1:9090', firing: [firing], pending: ['DatabaseDown'] },
    });
    expect(lines).toContain('alerts 1 firing; pending: DatabaseDown');
    expect(lines).toContain(
      '  ● BackendDown (critical, tenant default, service backend, since 2026-12-06T21:03:00Z) no scrape',
    );
    expect(frame({ monitoring: { url: 'u', firing: [], pending: [] } })).toContain('alerts none firing');
    const unread = frame({
      monitoring: {
        url: 'u',
        firing: [],
        pending: [],
        error: 'Prometheus at u did not answer: fetch failed',
      },
    });
    expect(unread).toContain('alerts not read (Prometheus at u did not answer: fetch failed)');
    const many = frame({
      monitoring: {
        url: 'u',
        firing: Array.from({ length: 7 }, (_, i) => ({ ...firing, name: `Alert${i}` })),
        pending: [],
      },
    });
    expect(many.filter((l) => l.startsWith('  ● '))).toHaveLength(5);
    expect(many).toContain(' …and 2 more (omrs status)');
    // Without monitoring, no alerts line at all.
    expect(frame().some((l) => l.startsWith('alerts'))).toBe(false);
  });
});
