import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { eventually, KEYS, stripAnsi } from '../../../test/helpers/ink.js';
import { TextInput } from './text-input.js';

function typeInto(initial: string) {
  const submitted: string[] = [];
  const view = render(
    <TextInput initial={initial} onSubmit={(v) => submitted.push(v)} onCancel={() => {}} />,
  );
  return { view, submitted, screen: () => stripAnsi(view.lastFrame()) };
}

describe('TextInput', () => {
  it('submits on a return key of its own', async () => {
    const { view, submitted, screen } = typeInto('');
    view.stdin.write('1');
    view.stdin.write('h');
    await eventually(() => expect(screen()).toContain('› 1h'));
    view.stdin.write(KEYS.enter);
    await eventually(() => expect(submitted).toEqual(['1h']));
    view.unmount();
  });

  it('submits a line end that arrives in one chunk with the text before it (a paste, fast keys)', async () => {
    const { view, submitted, screen } = typeInto('2');
    view.stdin.write('h\r');
    await eventually(() => expect(submitted).toEqual(['2h']));
    await eventually(() => expect(screen()).toContain('› 2h'));
    view.unmount();
  });

  it('keeps control characters out of the text', async () => {
    const { view, submitted, screen } = typeInto('');
    view.stdin.write('a\u0007b');
    await eventually(() => expect(screen()).toContain('› ab'));
    expect(submitted).toEqual([]);
    view.unmount();
  });
});
