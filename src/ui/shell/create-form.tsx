// `n`: a disposable environment's profile, time to live, runtime and data (seeded, or one of the
// project's snapshots), as `omrs env create` takes them. ↑/↓ moves between the fields, ←/→ changes
// a choice, typing edits the TTL, enter creates.
import { useRef, useState } from 'react';
import { Box, Text, useInput } from 'ink';
import { KeyBar } from '../components/key-bar.js';
import { printable } from '../components/text-input.js';
import { CREATE_RUNTIMES, type CreateRequest } from './actions.js';
import { Panel } from './panel.js';

export interface CreateFormProps {
  profiles: readonly string[];
  /** The snapshot names `data` offers besides seeding. */
  snapshots: readonly string[];
  profile: string;
  runtime: string;
  onCreate: (request: CreateRequest) => void;
  onCancel: () => void;
}

const FIELDS = ['profile', 'ttl', 'runtime', 'data'] as const;
export const DEFAULT_TTL = '4h';
const SEED = 'seed';

/** The command line the form stands for. */
export const createCommand = (r: CreateRequest): string =>
  `omrs env create --profile ${r.profile} --ttl ${r.ttl} --runtime ${r.runtime}${r.fromSnapshot ? ` --from-snapshot ${r.fromSnapshot}` : ''}`;

export const CreateForm = ({
  profiles,
  snapshots,
  profile,
  runtime,
  onCreate,
  onCancel,
}: CreateFormProps) => {
  const [form, setForm] = useState<{ field: number; request: CreateRequest }>({
    field: 0,
    request: { profile, ttl: DEFAULT_TTL, runtime },
  });
  // Keys can arrive faster than React renders: each one sees what the previous one left.
  const latest = useRef(form);
  const update = (next: typeof form) => {
    latest.current = next;
    setForm(next);
  };
  useInput((input, key) => {
    const { field, request } = latest.current;
    if (key.escape || (key.ctrl && input === 'c')) return onCancel();
    if (key.return) return onCreate(request);
    const by = key.upArrow ? -1 : key.downArrow || key.tab ? 1 : 0;
    if (by !== 0) return update({ field: (field + by + FIELDS.length) % FIELDS.length, request });
    const name = FIELDS[field]!;
    if (name === 'ttl') {
      if (key.backspace || key.delete)
        return update({ field, request: { ...request, ttl: request.ttl.slice(0, -1) } });
      const text = printable(input);
      if (text && !key.ctrl && !key.meta) update({ field, request: { ...request, ttl: request.ttl + text } });
      return;
    }
    const step = key.leftArrow ? -1 : key.rightArrow || input === ' ' ? 1 : 0;
    if (step === 0) return;
    const list: readonly string[] =
      name === 'profile' ? profiles : name === 'runtime' ? CREATE_RUNTIMES : [SEED, ...snapshots];
    const current = name === 'data' ? (request.fromSnapshot ?? SEED) : request[name];
    const next = list[(Math.max(0, list.indexOf(current)) + step + list.length) % list.length]!;
    if (name !== 'data') return update({ field, request: { ...request, [name]: next } });
    const { fromSnapshot: _, ...rest } = request;
    update({ field, request: next === SEED ? rest : { ...rest, fromSnapshot: next } });
  });

  const { field, request } = form;
  const row = (i: number, label: string, value: string, hint: string) => (
    <Box>
      <Text color={field === i ? 'cyan' : undefined}>{field === i ? '❯ ' : '  '}</Text>
      <Box width={10} flexShrink={0}>
        <Text dimColor>{label}</Text>
      </Box>
      <Text bold inverse={field === i}>
        {value}
        {i === 1 && field === 1 ? ' ' : ''}
      </Text>
      <Text dimColor> {hint}</Text>
    </Box>
  );
  return (
    <Box flexDirection="column">
      <Panel title="New disposable environment" focused>
        {row(0, 'profile', request.profile, '←/→')}
        {row(1, 'ttl', request.ttl, 'type: 30m, 4h, 2d')}
        {row(2, 'runtime', request.runtime, '←/→ compose (Docker), kube, kind, minikube')}
        {row(
          3,
          'data',
          request.fromSnapshot ? `snapshot ${request.fromSnapshot}` : SEED,
          snapshots.length > 0
            ? `←/→ seed, or a snapshot: ${snapshots.join(', ')}`
            : 'seed (omrs db snapshot <name> makes snapshots to start from)',
        )}
        <Text dimColor wrap="truncate-end">
          {createCommand(request)}
        </Text>
      </Panel>
      <KeyBar
        keys={[
          { keys: '↑/↓', label: 'field' },
          { keys: '←/→', label: 'change' },
          { keys: 'enter', label: 'create' },
          { keys: 'esc', label: 'cancel' },
        ]}
      />
    </Box>
  );
};
