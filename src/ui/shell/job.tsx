// One action of the shell while it runs: the steps and resources its use case reports (the same
// progress view as a plain command in a terminal), a typed confirmation when the use case asks for
// one, then its one-line result or its error in place with the hint. Esc or Ctrl-C cancels it
// through the AbortSignal the use case was given.
import { useEffect, useRef, useState } from 'react';
import { Box, Text, useInput, useStdout } from 'ink';
import type { EventBus } from '../../events/bus.js';
import { KeyBar } from '../components/key-bar.js';
import { Spinner } from '../components/spinner.js';
import { TextInput } from '../components/text-input.js';
import { ProgressView, type ViewStore } from '../progress-view.js';
import type { ActionDeps } from './actions.js';
import { errorNote, type ErrorNote } from './error-note.js';

export interface Job<R = unknown> {
  title: string;
  bus: EventBus;
  store: ViewStore;
  run(deps: ActionDeps): Promise<R>;
  /** The result as one line. */
  describe(result: R): string;
  /** Takes over after success (the dashboard after `up`) instead of showing the result line. */
  then?(result: R): void;
}

type Phase =
  | { state: 'running'; cancelling: boolean }
  | { state: 'asking'; question: string; answer: (typed: string) => void }
  | { state: 'done'; line: string }
  | { state: 'failed'; note: ErrorNote; cancelled: boolean };

export interface JobScreenProps {
  job: Job;
  /** Back to the shell, once the job ended (its result or error was read). */
  onBack: () => void;
}

export const JobScreen = ({ job, onBack }: JobScreenProps) => {
  const { stdout } = useStdout();
  const [phase, setPhase] = useState<Phase>({ state: 'running', cancelling: false });
  const controller = useRef(new AbortController());
  const ended = useRef(false);

  useEffect(() => {
    const signal = controller.current.signal;
    const confirm = (question: string) =>
      new Promise<string>((resolve) => {
        const answer = (typed: string) => {
          setPhase({ state: 'running', cancelling: signal.aborted });
          resolve(typed);
        };
        setPhase({ state: 'asking', question, answer });
      });
    job.run({ events: job.bus, signal, confirm }).then(
      (result) => {
        ended.current = true;
        if (job.then) job.then(result);
        else setPhase({ state: 'done', line: job.describe(result) });
      },
      (error: unknown) => {
        ended.current = true;
        setPhase({ state: 'failed', note: errorNote(error), cancelled: signal.aborted });
      },
    );
    // Leaving the shell (or the process being interrupted) stops a use case still running; one that
    // finished keeps its signal (the dashboard after `up` acts with it).
    const running = controller.current;
    return () => {
      if (!ended.current) running.abort();
    };
  }, [job]);

  const cancel = () => {
    controller.current.abort();
    setPhase((p) => (p.state === 'running' ? { ...p, cancelling: true } : p));
  };
  useInput(
    (input, key) => {
      if (!ended.current) {
        if (key.escape || (key.ctrl && input === 'c')) cancel();
        return;
      }
      if (key.escape || key.return || input === 'q' || (key.ctrl && input === 'c')) onBack();
    },
    { isActive: phase.state !== 'asking' },
  );

  return (
    <Box flexDirection="column">
      {/* The service table needs room: a 24-row terminal shows the steps and the result. */}
      <ProgressView store={job.store} title={job.title} compact={(stdout.rows || 24) < 36} />
      <Box marginTop={1} flexDirection="column">
        <JobStatus
          phase={phase}
          onAnswer={(typed) => phase.state === 'asking' && phase.answer(typed)}
          onCancelAnswer={() => {
            controller.current.abort();
            if (phase.state === 'asking') phase.answer('');
          }}
        />
      </Box>
      <KeyBar
        keys={
          phase.state === 'running' || phase.state === 'asking'
            ? [{ keys: 'esc', label: 'cancel (also Ctrl-C)' }]
            : [{ keys: 'enter', label: 'back (also esc)' }]
        }
      />
    </Box>
  );
};

const JobStatus = ({
  phase,
  onAnswer,
  onCancelAnswer,
}: {
  phase: Phase;
  onAnswer: (typed: string) => void;
  onCancelAnswer: () => void;
}) => {
  switch (phase.state) {
    case 'running':
      return (
        <Text>
          <Spinner /> {phase.cancelling ? 'cancelling…' : 'working…'}
        </Text>
      );
    case 'asking':
      return (
        <Box flexDirection="column">
          <Text wrap="wrap">
            <Text color="yellow">?</Text> {phase.question}
          </Text>
          <TextInput onSubmit={onAnswer} onCancel={onCancelAnswer} />
        </Box>
      );
    case 'done':
      return (
        <Text wrap="wrap">
          <Text color="green">✔</Text> {phase.line}
        </Text>
      );
    case 'failed':
      return <ErrorInPlace note={phase.note} cancelled={phase.cancelled} />;
  }
};

/** An action's error where the action was: what failed, and the hint of what to do. */
export const ErrorInPlace = ({ note, cancelled = false }: { note: ErrorNote; cancelled?: boolean }) => (
  <Box flexDirection="column">
    <Text wrap="wrap">
      <Text color={cancelled ? 'yellow' : 'red'}>{cancelled ? '■ cancelled:' : '✖'}</Text> {note.message}
    </Text>
    {note.problems?.map((problem, i) => (
      <Text key={i} wrap="truncate-end">
        {'  '}• {problem}
      </Text>
    ))}
    {note.hint && (
      <Text wrap="wrap">
        <Text color="cyan">hint:</Text> {note.hint}
      </Text>
    )}
  </Box>
);
