// The unified diff `omrs compose export --check` prints.
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../../src/runtime/compose/export-diff.js';

const names = { from: 'a (on disk)', to: 'a (export)' };

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('x\ny\n', 'x\ny\n', names)).toBe('');
  });

  it('shows a changed line as - then +, with two lines of context and 1-based ranges', () => {
    const before = ['1', '2', '3', '4', '5', '6', '7'].join('\n') + '\n';
    const after = before.replace('4', 'four');
    expect(unifiedDiff(before, after, names)).toBe(
      [
        '--- a (on disk)',
        '+++ a (export)',
        '@@ -2,5 +2,5 @@',
        ' 2',
        ' 3',
        '-4',
        '+four',
        ' 5',
        ' 6',
        '',
      ].join('\n'),
    );
  });

  it('makes separate hunks for distant changes and one for close ones', () => {
    const lines = Array.from({ length: 20 }, (_, i) => `l${i + 1}`);
    const after = lines.map((l) => (l === 'l2' || l === 'l18' ? `${l}!` : l));
    expect(unifiedDiff(lines.join('\n'), after.join('\n'), names).match(/^@@/gm)).toHaveLength(2);
    const close = lines.map((l) => (l === 'l5' || l === 'l8' ? `${l}!` : l));
    expect(unifiedDiff(lines.join('\n'), close.join('\n'), names).match(/^@@/gm)).toHaveLength(1);
  });

  it('shows added and removed files as whole-file hunks', () => {
    expect(unifiedDiff('', 'a\nb\n', names)).toContain('@@ -0,0 +1,2 @@\n+a\n+b\n');
    expect(unifiedDiff('X=1\n', '', names)).toContain('@@ -1,1 +0,0 @@\n-X=1\n');
  });
});
