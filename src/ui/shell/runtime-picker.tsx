// `u` on a profile: where to start it. compose, kind and minikube, then every context of the
// kubeconfig; the profile's own choice is marked and under the cursor at first. A context the
// profile does not name asks for the environment's name to be typed before anything runs.
import { useRef, useState } from 'react';
import { Box, Text, useInput } from 'ink';
import { KeyBar } from '../components/key-bar.js';
import { TextInput } from '../components/text-input.js';
import type { RuntimeOption, StartChoices } from './actions.js';
import { ErrorInPlace } from './job.js';
import { useLoadable } from './loadable.js';
import { Panel } from './panel.js';

export interface RuntimePickerProps {
  profile: string;
  choices: () => Promise<StartChoices>;
  onPick: (option: RuntimeOption, choices: StartChoices) => void;
  onBack: () => void;
}

export const optionLabel = (o: RuntimeOption): string =>
  o.context ? `${o.runtime} · ${o.context}` : o.runtime;

export const RuntimePicker = ({ profile, choices, onPick, onBack }: RuntimePickerProps) => {
  const loaded = useLoadable(choices, profile);
  const ready = loaded?.state === 'ready' ? loaded.value : undefined;
  const [cursor, setCursor] = useState<number | undefined>();
  const [confirming, setConfirming] = useState<{ option: RuntimeOption; wrong?: string } | undefined>();
  const at = cursor ?? Math.max(0, ready?.options.findIndex((o) => o.preferred) ?? 0);
  // Keys can arrive faster than React renders: each move starts where the previous one left.
  const latest = useRef(at);
  latest.current = at;
  const choicesRef = useRef(ready);
  choicesRef.current = ready;

  useInput(
    (input, key) => {
      if (key.escape || input === 'q' || (key.ctrl && input === 'c')) return onBack();
      const ready = choicesRef.current;
      if (!ready) return;
      const by = key.upArrow || input === 'k' ? -1 : key.downArrow || input === 'j' ? 1 : 0;
      if (by !== 0) {
        latest.current = Math.max(0, Math.min(ready.options.length - 1, latest.current + by));
        return setCursor(latest.current);
      }
      const option = ready.options[latest.current];
      if (!key.return || !option) return;
      if (option.confirmName) setConfirming({ option });
      else onPick(option, ready);
    },
    { isActive: !confirming },
  );

  return (
    <Box flexDirection="column">
      <Panel title={`Start ${profile}: where?`} focused>
        {!loaded || loaded.state === 'loading' ? (
          <Text dimColor>Looking for runtimes and kube contexts…</Text>
        ) : loaded.state === 'failed' ? (
          <ErrorInPlace note={{ message: loaded.error, ...(loaded.hint && { hint: loaded.hint }) }} />
        ) : (
          <>
            <Text dimColor>environment {loaded.value.env}</Text>
            {loaded.value.options.map((o, i) => (
              <Text key={optionLabel(o)} wrap="truncate-end" inverse={i === at}>
                <Text color={i === at ? 'cyan' : undefined}>{i === at ? '❯' : ' '}</Text>{' '}
                {o.preferred ? <Text color="green">●</Text> : ' '} <Text bold>{optionLabel(o)}</Text>{' '}
                <Text dimColor>{o.note}</Text>
              </Text>
            ))}
            {loaded.value.notes.map((n) => (
              <Text key={n} dimColor wrap="truncate-end">
                note: {n}
              </Text>
            ))}
          </>
        )}
      </Panel>
      {confirming && ready && (
        <Box flexDirection="column">
          <Text wrap="wrap">
            <Text color="yellow">?</Text> {profile} does not name context{' '}
            <Text bold>{confirming.option.context}</Text>. Type the environment&apos;s name (
            {confirming.option.confirmName}) to start it there:
          </Text>
          {confirming.wrong !== undefined && (
            <Text color="red">
              &quot;{confirming.wrong}&quot; is not {confirming.option.confirmName}; nothing was started
            </Text>
          )}
          <TextInput
            key={confirming.wrong ?? ''}
            onSubmit={(typed) =>
              typed.trim() === confirming.option.confirmName
                ? onPick(confirming.option, ready)
                : setConfirming({ option: confirming.option, wrong: typed.trim() })
            }
            onCancel={() => setConfirming(undefined)}
          />
        </Box>
      )}
      <KeyBar
        keys={[
          { keys: '↑/↓', label: 'choose' },
          { keys: 'enter', label: 'start' },
          { keys: 'esc', label: 'back' },
        ]}
      />
    </Box>
  );
};
