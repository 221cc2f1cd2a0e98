// Enter on a profile: the resolved profile as `omrs profile show --origins` prints it (every key
// with the file and line that set it, secrets masked), scrolled with ↑/↓ and page up/down.
import { useRef, useState } from 'react';
import { Box, Text, useInput, useStdout } from 'ink';
import { KeyBar } from '../components/key-bar.js';
import { ErrorInPlace } from './job.js';
import { useLoadable } from './loadable.js';
import type { ShownProfile } from './types.js';

export interface ProfileViewProps {
  profile: string;
  show: (profile: string) => Promise<ShownProfile>;
  onBack: () => void;
}

export const ProfileView = ({ profile, show, onBack }: ProfileViewProps) => {
  const { stdout } = useStdout();
  const loaded = useLoadable(() => show(profile), profile);
  const lines = loaded?.state === 'ready' ? loaded.value.text.trimEnd().split('\n') : [];
  const rows = Math.max(4, (stdout.rows || 24) - 5);
  const [top, setTop] = useState(0);
  // Keys can arrive faster than React renders: each scroll starts where the previous one left.
  const latest = useRef({ top, count: lines.length });
  latest.current.count = lines.length;
  useInput((input, key) => {
    if (key.escape || input === 'q' || key.return || (key.ctrl && input === 'c')) return onBack();
    const by =
      key.upArrow || input === 'k'
        ? -1
        : key.downArrow || input === 'j'
          ? 1
          : key.pageUp
            ? -rows
            : key.pageDown || input === ' '
              ? rows
              : 0;
    if (by === 0) return;
    const max = Math.max(0, latest.current.count - rows);
    latest.current.top = Math.max(0, Math.min(max, latest.current.top + by));
    setTop(latest.current.top);
  });

  if (!loaded || loaded.state === 'loading') return <Text dimColor>Resolving {profile}…</Text>;
  if (loaded.state === 'failed')
    return (
      <Box flexDirection="column">
        <Text bold>Profile {profile}</Text>
        <ErrorInPlace note={{ message: loaded.error, ...(loaded.hint && { hint: loaded.hint }) }} />
        <KeyBar keys={[{ keys: 'esc', label: 'back' }]} />
      </Box>
    );
  const p = loaded.value;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold>Profile {p.name}</Text> <Text dimColor>runtime</Text> {p.runtime}{' '}
        <Text dimColor>app digest</Text> {p.appDigest}
      </Text>
      <Text dimColor wrap="truncate-end">
        omrs profile show {p.name} --origins: each key with the file:line that set it
      </Text>
      <Box flexDirection="column">
        {lines.slice(top, top + rows).map((line, i) => (
          <Text key={top + i} wrap="truncate-end">
            <OriginLine line={line} />
          </Text>
        ))}
      </Box>
      <KeyBar
        keys={[
          { keys: '↑/↓', label: `scroll (${Math.min(lines.length, top + rows)}/${lines.length})` },
          { keys: 'esc', label: 'back' },
        ]}
      />
    </Box>
  );
};

/** A YAML line with its origin comment dimmed, so the values stand out. */
const OriginLine = ({ line }: { line: string }) => {
  const at = line.lastIndexOf(' #');
  if (at < 0) return <>{line || ' '}</>;
  return (
    <>
      {line.slice(0, at)}
      <Text dimColor>{line.slice(at)}</Text>
    </>
  );
};
