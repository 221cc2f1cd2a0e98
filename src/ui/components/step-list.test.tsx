import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { foldEvents, stripAnsi } from '../../../test/helpers/ink.js';
import { SPINNER_FRAMES } from './spinner.js';
import { StepList } from './step-list.js';

const START = 1_000_000;

describe('StepList', () => {
  it('draws done, running, failed and skipped steps from the event stream', () => {
    const state = foldEvents(
      [
        { type: 'step', id: 'profile', title: 'Resolve profile', status: 'started' },
        { type: 'step', id: 'profile', title: 'Resolve profile', status: 'done', durationMs: 1200 },
        { type: 'step', id: 'images', title: 'Pull images', status: 'started' },
        {
          type: 'progress',
          step: 'images',
          current: 3,
          total: 5,
          unit: 'images',
          message: 'pulling backend',
        },
        { type: 'step', id: 'db', title: 'Start database', status: 'started' },
        {
          type: 'step',
          id: 'db',
          title: 'Start database',
          status: 'failed',
          detail: 'not ready within 2m',
          durationMs: 120_000,
        },
        { type: 'step', id: 'seed', title: 'Seed data', status: 'skipped', detail: 'seed.enabled is false' },
      ],
      START,
    );
    const { lastFrame, unmount } = render(<StepList steps={state.steps} now={START + 12_345} />);
    const lines = stripAnsi(lastFrame()).split('\n');
    unmount();

    expect(lines[0]).toBe('✔ Resolve profile (1.2s)');
    expect(SPINNER_FRAMES).toContain(lines[1]!.slice(0, 1));
    expect(lines[1]!.slice(1)).toBe(' Pull images (12.0s)');
    expect(lines[2]).toMatch(/^ {2}█{12}░{8} 3\/5 images pulling backend$/);
    expect(lines[3]).toBe('✖ Start database (2m00s)');
    expect(lines[4]).toBe('  not ready within 2m');
    expect(lines[5]).toBe('- Seed data — seed.enabled is false');
  });

  it('drops the progress line once the step is done', () => {
    const state = foldEvents([
      { type: 'step', id: 'images', title: 'Pull images', status: 'started' },
      { type: 'progress', step: 'images', current: 5, total: 5, unit: 'images' },
      { type: 'step', id: 'images', title: 'Pull images', status: 'done', durationMs: 800 },
    ]);
    const { lastFrame, unmount } = render(<StepList steps={state.steps} now={START} />);
    expect(stripAnsi(lastFrame())).toBe('✔ Pull images (800ms)');
    unmount();
  });

  it('shows a running step without a total as a plain count', () => {
    const state = foldEvents(
      [
        { type: 'step', id: 'seed', title: 'Seed patients', status: 'started' },
        { type: 'progress', step: 'seed', current: 250, unit: 'patients' },
      ],
      START,
    );
    const { lastFrame, unmount } = render(<StepList steps={state.steps} now={START + 500} />);
    const lines = stripAnsi(lastFrame()).split('\n');
    unmount();
    expect(lines[0]!.slice(1)).toBe(' Seed patients');
    expect(lines[1]).toBe('  250 patients');
  });
});
