import { Box, Text } from 'ink';
import type { StepView } from '../../events/state.js';
import { formatDuration } from '../format.js';
import { Spinner } from './spinner.js';

export interface StepListProps {
  steps: StepView[];
  /** For the elapsed time of running steps. */
  now: number;
}

export const StepList = ({ steps, now }: StepListProps) => (
  <Box flexDirection="column">
    {steps.map((step) => (
      <StepRow key={step.id} step={step} now={now} />
    ))}
  </Box>
);

const BAR_WIDTH = 20;

const StepRow = ({ step, now }: { step: StepView; now: number }) => {
  const running = step.status === 'started';
  // Whole seconds only, so the row does not change on every frame.
  const elapsed = running ? Math.floor(Math.max(0, now - step.startedAt) / 1000) * 1000 : undefined;
  const duration = step.durationMs ?? elapsed;
  return (
    <Box flexDirection="column">
      <Text>
        <StatusIcon status={step.status} />{' '}
        {step.status === 'skipped' ? <Text dimColor>{step.title}</Text> : step.title}
        {duration !== undefined && duration > 0 && <Text dimColor> ({formatDuration(duration)})</Text>}
        {step.detail && step.status !== 'failed' && <Text dimColor> — {step.detail}</Text>}
      </Text>
      {running && step.progress && <ProgressLine progress={step.progress} />}
      {step.status === 'failed' && step.detail && (
        <Box marginLeft={2}>
          <Text color="red">{step.detail}</Text>
        </Box>
      )}
    </Box>
  );
};

const StatusIcon = ({ status }: { status: StepView['status'] }) => {
  switch (status) {
    case 'started':
      return <Spinner />;
    case 'done':
      return <Text color="green">✔</Text>;
    case 'failed':
      return <Text color="red">✖</Text>;
    case 'skipped':
      return <Text dimColor>-</Text>;
  }
};

const ProgressLine = ({ progress }: { progress: NonNullable<StepView['progress']> }) => {
  const { current, total, unit, message } = progress;
  const amount = `${current}${total !== undefined ? `/${total}` : ''}${unit ? ` ${unit}` : ''}`;
  const filled = total ? Math.min(BAR_WIDTH, Math.round((current / total) * BAR_WIDTH)) : 0;
  return (
    <Box marginLeft={2}>
      <Text wrap="truncate-end">
        {total ? (
          <Text>
            <Text color="cyan">{'█'.repeat(filled)}</Text>
            <Text dimColor>{'░'.repeat(BAR_WIDTH - filled)}</Text>{' '}
          </Text>
        ) : null}
        {amount}
        {message && <Text dimColor> {message}</Text>}
      </Text>
    </Box>
  );
};
