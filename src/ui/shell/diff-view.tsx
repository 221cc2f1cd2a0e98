// `d` on a profile: pick the other profile, then `omrs profile diff a b`: the app keys (what the
// application is) and the env keys (where and how it runs) apart, with an unmistakable mark when
// the app digests are equal: what QA tested is what prod runs.
import { useRef, useState } from 'react';
import { Box, Text, useInput, useStdout } from 'ink';
import type { Change } from '../../profile/diff.js';
import type { DiffReport } from '../../profile/index.js';
import { KeyBar } from '../components/key-bar.js';
import { scrolled } from './environments-panel.js';
import { ErrorInPlace } from './job.js';
import { useLoadable } from './loadable.js';
import { Panel } from './panel.js';

export interface DiffPickerProps {
  from: string;
  profiles: readonly string[];
  onPick: (other: string) => void;
  onBack: () => void;
}

/** Which profile to compare with: the one after `from` at first. */
export const DiffPicker = ({ from, profiles, onPick, onBack }: DiffPickerProps) => {
  const others = profiles.filter((p) => p !== from);
  const [cursor, setCursor] = useState(Math.max(0, Math.min(others.length - 1, profiles.indexOf(from))));
  const latest = useRef(cursor);
  useInput((input, key) => {
    if (key.escape || input === 'q' || (key.ctrl && input === 'c')) return onBack();
    const by = key.upArrow || input === 'k' ? -1 : key.downArrow || input === 'j' ? 1 : 0;
    if (by !== 0) {
      latest.current = Math.max(0, Math.min(others.length - 1, latest.current + by));
      return setCursor(latest.current);
    }
    const other = others[latest.current];
    if (key.return && other) onPick(other);
  });
  return (
    <Box flexDirection="column">
      <Panel title={`Compare ${from} with:`} focused>
        {others.map((name, i) => (
          <Text key={name} inverse={i === cursor}>
            <Text color={i === cursor ? 'cyan' : undefined}>{i === cursor ? '❯' : ' '}</Text> {name}
          </Text>
        ))}
      </Panel>
      <KeyBar
        keys={[
          { keys: '↑/↓', label: 'choose' },
          { keys: 'enter', label: 'compare' },
          { keys: 'esc', label: 'back' },
        ]}
      />
    </Box>
  );
};

export interface DiffViewProps {
  a: string;
  b: string;
  compare: (a: string, b: string) => Promise<DiffReport>;
  onBack: () => void;
}

type Line = { kind: 'title'; text: string } | { kind: 'change'; change: Change } | { kind: 'none' };

const show = (v: unknown): string => (v === undefined ? '' : JSON.stringify(v));

export const DiffView = ({ a, b, compare, onBack }: DiffViewProps) => {
  const { stdout } = useStdout();
  const loaded = useLoadable(() => compare(a, b), `${a}→${b}`);
  const [top, setTop] = useState(0);
  const latest = useRef(top);
  const report = loaded?.state === 'ready' ? loaded.value : undefined;
  const lines: Line[] = report
    ? [
        { kind: 'title', text: `app keys (${report.app.length})` },
        ...(report.app.length
          ? report.app.map((change) => ({ kind: 'change' as const, change }))
          : [{ kind: 'none' as const }]),
        { kind: 'title', text: `env keys (${report.env.length})` },
        ...(report.env.length
          ? report.env.map((change) => ({ kind: 'change' as const, change }))
          : [{ kind: 'none' as const }]),
      ]
    : [];
  const rows = Math.max(4, (stdout.rows || 24) - 7);
  useInput((input, key) => {
    if (key.escape || input === 'q' || key.return || (key.ctrl && input === 'c')) return onBack();
    const by = key.upArrow || input === 'k' ? -1 : key.downArrow || input === 'j' ? 1 : 0;
    if (by === 0) return;
    latest.current = Math.max(0, Math.min(Math.max(0, lines.length - rows), latest.current + by));
    setTop(latest.current);
  });

  if (!loaded || loaded.state === 'loading')
    return (
      <Text dimColor>
        Comparing {a} with {b}…
      </Text>
    );
  if (loaded.state === 'failed')
    return (
      <Box flexDirection="column">
        <Text bold>
          {a} → {b}
        </Text>
        <ErrorInPlace note={{ message: loaded.error, ...(loaded.hint && { hint: loaded.hint }) }} />
        <KeyBar keys={[{ keys: 'esc', label: 'back' }]} />
      </Box>
    );
  const r = loaded.value;
  const { visible, above, below } = scrolled(lines, top + rows - 1, rows);
  return (
    <Box flexDirection="column">
      <Text bold>
        {r.a.name} → {r.b.name}{' '}
        <Text dimColor>
          (omrs profile diff {r.a.name} {r.b.name})
        </Text>
      </Text>
      {r.identicalApp ? (
        <Box flexDirection="column">
          <Text color="green" bold>
            ✔ SAME APP: equal app keys; only where and how it runs differs
          </Text>
          <Text dimColor wrap="truncate-end">
            app digest {r.a.appDigest} in both
          </Text>
        </Box>
      ) : (
        <Box flexDirection="column">
          <Text color="red" bold>
            ✖ DIFFERENT APP: the app keys differ
          </Text>
          <Text dimColor wrap="truncate-end">
            {r.a.name} {r.a.appDigest}
          </Text>
          <Text dimColor wrap="truncate-end">
            {r.b.name} {r.b.appDigest}
          </Text>
        </Box>
      )}
      {above > 0 && <Text dimColor> ↑ {above} more</Text>}
      {visible.map((line, i) =>
        line.kind === 'title' ? (
          <Text key={i} bold>
            {line.text}
          </Text>
        ) : line.kind === 'none' ? (
          <Text key={i} dimColor>
            {'  '}(none)
          </Text>
        ) : (
          <ChangeLine key={i} change={line.change} />
        ),
      )}
      {below > 0 && <Text dimColor> ↓ {below} more</Text>}
      <KeyBar
        keys={[
          { keys: '↑/↓', label: 'scroll' },
          { keys: 'esc', label: 'back' },
        ]}
      />
    </Box>
  );
};

const ChangeLine = ({ change }: { change: Change }) => (
  <Text wrap="truncate-end">
    {'  '}
    {change.kind === 'added' ? (
      <Text color="green">
        + {change.path}: {show(change.to)}
      </Text>
    ) : change.kind === 'removed' ? (
      <Text color="red">
        - {change.path}: {show(change.from)}
      </Text>
    ) : (
      <Text>
        <Text color="yellow">~</Text> {change.path}: {show(change.from)} → {show(change.to)}
      </Text>
    )}
  </Text>
);
