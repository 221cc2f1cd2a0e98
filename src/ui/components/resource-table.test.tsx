import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { foldEvents, stripAnsi } from '../../../test/helpers/ink.js';
import { ResourceTable } from './resource-table.js';
import { formatAge } from './time.js';

const START = 1_000_000;

describe('ResourceTable', () => {
  it('lists every resource with its runtime state, health, restarts, ports and age', () => {
    const state = foldEvents(
      [
        { type: 'resource', name: 'db', kind: 'StatefulSet', runtime: 'starting', health: 'starting' },
        { type: 'resource', name: 'backend', kind: 'Deployment', runtime: 'starting' },
        {
          type: 'resource',
          name: 'db',
          kind: 'StatefulSet',
          runtime: 'ok',
          health: 'healthy',
          ports: ['3306'],
        },
        {
          type: 'resource',
          name: 'backend',
          kind: 'Deployment',
          runtime: 'error',
          health: 'unhealthy',
          restarts: 2,
          detail: 'exit code 137 (out of memory)',
        },
      ],
      START,
      1000,
    );
    const { lastFrame, unmount } = render(<ResourceTable resources={state.resources} now={START + 95_000} />);
    const frame = stripAnsi(lastFrame());
    unmount();
    expect(frame.split('\n')).toEqual([
      'NAME     KIND         STATE  HEALTH     RESTARTS  PORTS  AGE',
      'db       StatefulSet  ok     healthy    0         3306   1m',
      'backend  Deployment   error  unhealthy  2         -      1m',
      '  exit code 137 (out of memory)',
    ]);
  });

  it('keeps the age of a resource whose state did not change', () => {
    const state = foldEvents(
      [
        { type: 'resource', name: 'gateway', kind: 'Deployment', runtime: 'ok' },
        { type: 'resource', name: 'gateway', kind: 'Deployment', runtime: 'ok', health: 'healthy' },
      ],
      START,
      30_000,
    );
    const { lastFrame, unmount } = render(<ResourceTable resources={state.resources} now={START + 45_000} />);
    expect(stripAnsi(lastFrame())).toContain('gateway  Deployment  ok     healthy  0         -      45s');
    unmount();
  });
});

describe('formatAge', () => {
  it('reads like kubectl', () => {
    expect([0, 59_999, 60_000, 3_599_000, 3_600_000, 90_000_000].map(formatAge)).toEqual([
      '0s',
      '59s',
      '1m',
      '59m',
      '1h',
      '1d',
    ]);
  });
});
