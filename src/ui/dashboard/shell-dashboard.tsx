// The dashboard inside the interactive shell: Enter on an environment opens it, q goes back.
import { useEffect } from 'react';
import { Box, Text, useInput } from 'ink';
import { useLoadable } from '../shell/loadable.js';
import type { EnvironmentSummary, OpenedEnvironment } from '../shell/types.js';
import { Dashboard } from './dashboard.js';

export interface ShellDashboardProps {
  env: EnvironmentSummary;
  open: (env: EnvironmentSummary) => Promise<OpenedEnvironment>;
  onBack: () => void;
}

export const ShellDashboard = ({ env, open, onBack }: ShellDashboardProps) => {
  const opened = useLoadable(() => open(env), env.name);
  const ready = opened?.state === 'ready' ? opened.value : undefined;
  useEffect(() => () => ready?.close(), [ready]);
  useInput(
    (input, key) => {
      if (input === 'q' || key.escape || (key.ctrl && input === 'c')) onBack();
    },
    { isActive: !ready },
  );
  if (ready)
    return (
      <Dashboard
        store={ready.store}
        source={ready.source}
        {...(ready.url && { url: ready.url })}
        onQuit={onBack}
      />
    );
  return (
    <Box flexDirection="column">
      <Text bold>omrs · {env.name}</Text>
      {opened?.state === 'failed' ? (
        <>
          <Text color="red">{opened.error}</Text>
          {opened.hint && <Text dimColor>{opened.hint}</Text>}
        </>
      ) : (
        <Text dimColor>Connecting to {env.name}…</Text>
      )}
      <Text dimColor>q back</Text>
    </Box>
  );
};
