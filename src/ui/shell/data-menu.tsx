// `m` on an environment: its database, as `omrs seed --env e [--size s]`, `omrs db snapshot|restore
// <name> --env e`, `omrs db backup --env e` and `omrs seed --purge --env e` do it. ↑/↓ chooses, ←/→ the size, typing the
// snapshot's name, enter runs it (purge asks first).
import { useRef, useState } from 'react';
import { Box, Text, useInput } from 'ink';
import type { SeedSize } from '../../seed/plan.js';
import { SEED_SIZES } from '../../seed/plan.js';
import { KeyBar } from '../components/key-bar.js';
import { printable } from '../components/text-input.js';
import { Panel } from './panel.js';

export type DataAction =
  | { kind: 'seed'; size: SeedSize }
  | { kind: 'snapshot'; name: string }
  | { kind: 'restore'; name: string }
  | { kind: 'backup' }
  | { kind: 'purge' };

const ROWS = ['seed', 'snapshot', 'restore', 'backup', 'purge'] as const;

export interface DataMenuProps {
  env: string;
  onRun: (action: DataAction) => void;
  onCancel: () => void;
}

export const DataMenu = ({ env, onRun, onCancel }: DataMenuProps) => {
  const [menu, setMenu] = useState({ row: 0, size: 0, name: 'before-test' });
  // Keys can arrive faster than React renders: each one sees what the previous one left.
  const latest = useRef(menu);
  const update = (next: typeof menu) => {
    latest.current = next;
    setMenu(next);
  };
  useInput((input, key) => {
    const m = latest.current;
    const row = ROWS[m.row]!;
    if (key.escape || (key.ctrl && input === 'c')) return onCancel();
    if (key.upArrow || key.downArrow)
      return update({ ...m, row: (m.row + (key.upArrow ? -1 : 1) + ROWS.length) % ROWS.length });
    if (key.return) {
      if (row === 'seed') return onRun({ kind: 'seed', size: SEED_SIZES[m.size]! });
      if (row === 'purge' || row === 'backup') return onRun({ kind: row });
      if (m.name.trim()) onRun({ kind: row, name: m.name.trim() });
      return;
    }
    if (row === 'seed' && (key.leftArrow || key.rightArrow))
      return update({
        ...m,
        size: (m.size + (key.leftArrow ? -1 : 1) + SEED_SIZES.length) % SEED_SIZES.length,
      });
    if (row !== 'snapshot' && row !== 'restore') return;
    if (key.backspace || key.delete) return update({ ...m, name: m.name.slice(0, -1) });
    const text = printable(input);
    if (text && !key.ctrl && !key.meta) update({ ...m, name: m.name + text });
  });

  const line = (i: number, label: string, detail: string, command: string) => (
    <Text key={label} wrap="truncate-end" inverse={menu.row === i}>
      <Text color={menu.row === i ? 'cyan' : undefined}>{menu.row === i ? '❯' : ' '}</Text>{' '}
      <Text bold>{label.padEnd(9)}</Text>
      {detail} <Text dimColor>{command}</Text>
    </Text>
  );
  const size = SEED_SIZES[menu.size]!;
  return (
    <Box flexDirection="column">
      <Panel title={`Data of ${env}`} focused>
        {line(0, 'seed', `${size} ←/→`, `omrs seed --env ${env} --size ${size}`)}
        {line(1, 'snapshot', menu.name, `omrs db snapshot ${menu.name} --env ${env}`)}
        {line(2, 'restore', menu.name, `omrs db restore ${menu.name} --env ${env}`)}
        {line(3, 'backup', 'a run now', `omrs db backup --env ${env}`)}
        {line(4, 'purge', 'the seeded rows', `omrs seed --purge --env ${env}`)}
      </Panel>
      <KeyBar
        keys={[
          { keys: '↑/↓', label: 'choose' },
          { keys: '←/→', label: 'size' },
          { keys: 'type', label: 'snapshot name' },
          { keys: 'enter', label: 'run' },
          { keys: 'esc', label: 'cancel' },
        ]}
      />
    </Box>
  );
};
