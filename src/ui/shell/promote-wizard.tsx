// `p`: the promote wizard of a profile. It walks the release manager through `omrs promote`: pick
// the QA record and the smoke-test URL, then the use case runs (the same one the command runs) and
// pauses on its review hook, where the wizard pages through identity, gate and plan; the use case's
// own typed confirmation follows, then its live steps and the result. Esc or Ctrl-C cancels through
// the AbortSignal at every page; an error shows in place with its hint.
import { basename } from 'node:path';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Box, Text, useInput, useStdout } from 'ink';
import { InterruptedError } from '../../errors.js';
import { EventBus } from '../../events/bus.js';
import type { PromoteReview } from '../../promote/common.js';
import type { LockedImage } from '../../promote/lock.js';
import { KeyBar } from '../components/key-bar.js';
import { Spinner } from '../components/spinner.js';
import { TextInput } from '../components/text-input.js';
import { ProgressView, createViewStore } from '../progress-view.js';
import type { PromoteAsk, PromoteChoices, QaRecordChoice, ShellActions } from './actions.js';
import { FindingRow, Verdict, checkRows } from './checks-view.js';
import { errorNote, type ErrorNote } from './error-note.js';
import { ErrorInPlace } from './job.js';
import { useLoadable, type Loadable } from './loadable.js';
import { Panel } from './panel.js';

const PAGES = ['record', 'identity', 'gate', 'plan', 'confirm', 'steps', 'result'] as const;
type Page = (typeof PAGES)[number];
const REVIEW_PAGES = ['identity', 'gate', 'plan'] as const;
type ReviewPage = (typeof REVIEW_PAGES)[number];

type Phase =
  | { state: 'record'; cursor: number }
  | { state: 'smoke'; record: QaRecordChoice | undefined }
  | { state: 'running'; cancelling: boolean; confirmed: boolean }
  | {
      state: 'review';
      page: ReviewPage;
      review: PromoteReview;
      go: () => void;
      stop: (error: Error) => void;
    }
  | { state: 'confirm'; question: string; answer: (typed: string) => void }
  | { state: 'done'; line: string }
  | { state: 'failed'; note: ErrorNote; cancelled: boolean };

export interface PromoteWizardProps {
  profile: string;
  actions: Pick<ShellActions, 'promoteChoices' | 'promote'>;
  onBack: () => void;
}

export const PromoteWizard = ({ profile, actions, onBack }: PromoteWizardProps) => {
  const { stdout } = useStdout();
  const choices = useLoadable(() => actions.promoteChoices(profile), profile);
  const [phase, setPhaseState] = useState<Phase>({ state: 'record', cursor: 0 });
  // Keys can arrive faster than React renders: each one sees the phase the previous one left.
  const latest = useRef(phase);
  const setPhase = (next: Phase) => {
    latest.current = next;
    setPhaseState(next);
  };
  const [job] = useState(() => {
    const bus = new EventBus();
    return { bus, store: createViewStore(bus), controller: new AbortController() };
  });
  const record = useRef<QaRecordChoice | undefined>(undefined);
  const command = useRef(`omrs promote --profile ${profile}`);
  const started = useRef(false);
  const ended = useRef(false);
  useEffect(
    () => () => {
      if (started.current && !ended.current) job.controller.abort();
      job.store.close();
    },
    [job],
  );

  const ready = choices?.state === 'ready' ? choices.value : undefined;
  const rows = ready ? recordRows(ready) : [];

  const start = (ask: PromoteAsk) => {
    command.current = commandOf(ask);
    started.current = true;
    const signal = job.controller.signal;
    setPhase({ state: 'running', cancelling: false, confirmed: false });
    const review = (r: PromoteReview) =>
      new Promise<void>((resolve, reject) =>
        setPhase({ state: 'review', page: 'identity', review: r, go: resolve, stop: reject }),
      );
    const confirm = (question: string) =>
      new Promise<string>((resolve) =>
        setPhase({
          state: 'confirm',
          question,
          answer: (typed) => {
            setPhase({ state: 'running', cancelling: signal.aborted, confirmed: true });
            resolve(typed);
          },
        }),
      );
    actions.promote(ask, { events: job.bus, signal, confirm, review }).then(
      (line) => {
        ended.current = true;
        setPhase({ state: 'done', line });
      },
      (error: unknown) => {
        ended.current = true;
        setPhase({ state: 'failed', note: errorNote(error), cancelled: signal.aborted });
      },
    );
  };
  const cancel = () => {
    job.controller.abort();
    const current = latest.current;
    if (current.state === 'review') {
      setPhase({ state: 'running', cancelling: true, confirmed: false });
      current.stop(new InterruptedError('promote'));
    } else if (current.state === 'running') setPhase({ ...current, cancelling: true });
  };

  useInput(
    (input, key) => {
      const current = latest.current;
      const ctrlC = key.ctrl && input === 'c';
      if (current.state === 'record') {
        if (key.escape || ctrlC || input === 'q') return onBack();
        const by = key.upArrow || input === 'k' ? -1 : key.downArrow || input === 'j' ? 1 : 0;
        if (by !== 0 && rows.length)
          return setPhase({
            state: 'record',
            cursor: Math.max(0, Math.min(rows.length - 1, current.cursor + by)),
          });
        const row = rows[current.cursor];
        if (key.return && row) {
          record.current = row.record;
          setPhase({ state: 'smoke', record: row.record });
        }
        return;
      }
      if (current.state === 'running') {
        if (key.escape || ctrlC) cancel();
        return;
      }
      if (current.state === 'review') {
        if (key.escape || ctrlC) return cancel();
        const at = REVIEW_PAGES.indexOf(current.page);
        if (key.leftArrow || input === 'b')
          return at > 0 && setPhase({ ...current, page: REVIEW_PAGES[at - 1]! });
        if (key.return || key.rightArrow) {
          if (at < REVIEW_PAGES.length - 1) return setPhase({ ...current, page: REVIEW_PAGES[at + 1]! });
          setPhase({ state: 'running', cancelling: false, confirmed: false });
          current.go();
        }
        return;
      }
      if (
        (current.state === 'done' || current.state === 'failed') &&
        (key.escape || key.return || input === 'q' || ctrlC)
      )
        onBack();
    },
    { isActive: phase.state !== 'smoke' && phase.state !== 'confirm' },
  );

  const page = pageOf(phase);
  const compact = (stdout.rows || 24) < 36;
  // The whole terminal, whatever the page: Ink then redraws each page from the top of a cleared
  // screen, so a taller page before (the steps) never leaves lines above a shorter one.
  return (
    <Box flexDirection="column" height={stdout.rows || 24} overflowY="hidden">
      <Box flexShrink={0}>
        <Text wrap="truncate-end">
          <Text bold>Promote {profile}</Text>{' '}
          {PAGES.map((p, i) => (
            <Text key={p} {...(p === page ? { bold: true, color: 'cyan' } : { dimColor: true })}>
              {i > 0 ? ' › ' : ''}
              {p === page ? `[${p}]` : p}
            </Text>
          ))}
        </Text>
      </Box>
      {phase.state === 'record' && <RecordPage choices={choices} rows={rows} cursor={phase.cursor} />}
      {phase.state === 'smoke' && (
        <Box flexDirection="column" marginTop={1}>
          <Text wrap="wrap">
            {phase.record ? `QA record ${phase.record.file}` : 'No QA record'}. <Text color="yellow">?</Text>{' '}
            The smoke test's URL (--smoke-url); enter alone: a port-forward to the idle colour's gateway
          </Text>
          <TextInput
            placeholder="port-forward"
            onCancel={() => setPhase({ state: 'record', cursor: 0 })}
            onSubmit={(url) => {
              const smokeUrl = url.trim();
              const context = ready?.context;
              start({
                profile,
                ...(record.current && { record: record.current.file }),
                ...(smokeUrl && { smokeUrl }),
                ...(context && { context }),
              });
            }}
          />
        </Box>
      )}
      {phase.state === 'review' && phase.page === 'identity' && (
        <IdentityPage review={phase.review} record={record.current} />
      )}
      {phase.state === 'review' && phase.page === 'gate' && (
        <GatePage review={phase.review} rows={Math.max(3, (stdout.rows || 24) - 10)} />
      )}
      {phase.state === 'review' && phase.page === 'plan' && (
        <PlanPage review={phase.review} rows={Math.max(3, (stdout.rows || 24) - 9)} />
      )}
      {(phase.state === 'running' ||
        phase.state === 'confirm' ||
        phase.state === 'done' ||
        phase.state === 'failed') &&
        started.current && (
          // A long promotion's steps give way (clipped at the bottom) before the question or the result.
          <Box flexDirection="column" flexShrink={1} overflowY="hidden">
            <ProgressView store={job.store} title={command.current} compact={compact} />
          </Box>
        )}
      <Box
        marginTop={phase.state === 'record' || phase.state === 'smoke' ? 0 : 1}
        flexDirection="column"
        flexShrink={0}
      >
        {phase.state === 'running' && (
          <Text>
            <Spinner /> {phase.cancelling ? 'cancelling…' : 'working…'}
          </Text>
        )}
        {phase.state === 'confirm' && (
          <Box flexDirection="column">
            <Text wrap="wrap">
              <Text color="yellow">?</Text> {phase.question}
            </Text>
            <TextInput
              onSubmit={phase.answer}
              onCancel={() => {
                job.controller.abort();
                phase.answer('');
              }}
            />
          </Box>
        )}
        {phase.state === 'done' && (
          <Text wrap="wrap">
            <Text color="green">✔</Text> {phase.line}
          </Text>
        )}
        {phase.state === 'failed' && <ErrorInPlace note={phase.note} cancelled={phase.cancelled} />}
      </Box>
      <Box flexShrink={0}>
        <KeyBar keys={keysOf(phase)} />
      </Box>
    </Box>
  );
};

/** The plain command the wizard runs, as the progress view's title. */
const commandOf = (ask: PromoteAsk): string =>
  [
    `omrs promote --profile ${ask.profile}`,
    ask.context && `--context ${ask.context}`,
    ask.record && `--approve-record ${basename(ask.record)}`,
    ask.smokeUrl && `--smoke-url ${ask.smokeUrl}`,
  ]
    .filter(Boolean)
    .join(' ');

/** Which page of the wizard a phase is. */
function pageOf(phase: Phase): Page {
  switch (phase.state) {
    case 'record':
    case 'smoke':
      return 'record';
    case 'review':
      return phase.page;
    case 'confirm':
      return 'confirm';
    case 'running':
      return phase.confirmed ? 'steps' : 'identity';
    default:
      return 'result';
  }
}

function keysOf(phase: Phase): { keys: string; label: string }[] {
  switch (phase.state) {
    case 'record':
      return [
        { keys: '↑/↓', label: 'record' },
        { keys: 'enter', label: 'choose' },
        { keys: 'esc', label: 'back' },
      ];
    case 'smoke':
      return [
        { keys: 'enter', label: 'start' },
        { keys: 'esc', label: 'back to the records' },
      ];
    case 'review':
      return [
        { keys: 'enter', label: phase.page === 'plan' ? 'go on to the confirmation' : 'next' },
        { keys: 'b', label: 'previous' },
        { keys: 'esc', label: 'cancel (also Ctrl-C)' },
      ];
    case 'running':
    case 'confirm':
      return [{ keys: 'esc', label: 'cancel (also Ctrl-C)' }];
    default:
      return [{ keys: 'enter', label: 'back (also esc)' }];
  }
}

interface RecordRow {
  record: QaRecordChoice | undefined;
}

/** The records to choose from; a profile that does not need one may also go without. */
function recordRows(choices: PromoteChoices): RecordRow[] {
  const rows: RecordRow[] = choices.records.map((record) => ({ record }));
  if (!choices.recordRequired) rows.push({ record: undefined });
  return rows;
}

const short = (digest: string | undefined): string =>
  digest === undefined ? 'not pinned' : digest.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]*$/, '$1…');

const RecordPage = ({
  choices,
  rows,
  cursor,
}: {
  choices: Loadable<PromoteChoices> | undefined;
  rows: RecordRow[];
  cursor: number;
}) => {
  if (!choices || choices.state === 'loading') return <Text dimColor>Looking for QA records…</Text>;
  if (choices.state === 'failed')
    return <ErrorInPlace note={{ message: choices.error, ...(choices.hint && { hint: choices.hint }) }} />;
  const { appDigest, records, recordRequired } = choices.value;
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text wrap="truncate-end">
        <Text dimColor>app digest of {choices.value.profile}:</Text> {short(appDigest)}
        <Text dimColor> · context:</Text> {choices.value.context ?? 'the current one'}
      </Text>
      <Panel title="QA records (omrs promote record -o <file>)" focused>
        {rows.length === 0 && (
          <Text wrap="wrap">
            No QA record in the project or profiles folder.{' '}
            <Text dimColor>
              {
                'QA writes one with `omrs promote record --profile qa --smoke-url <QA gateway> -o qa-record.json`.'
              }
            </Text>
          </Text>
        )}
        {rows.map((row, i) => {
          const r = row.record;
          const selected = i === cursor;
          return (
            <Text key={r?.file ?? '-'} wrap="truncate-end" inverse={selected}>
              <Text color={selected ? 'cyan' : undefined}>{selected ? '❯' : ' '}</Text>{' '}
              {r ? (
                <>
                  <Text bold>{basename(r.file)}</Text> {r.profile} {r.result} {r.testedAt.slice(0, 16)}{' '}
                  {r.appDigest === appDigest ? (
                    <Text color="green">= same app</Text>
                  ) : (
                    <Text color="red">≠ other app</Text>
                  )}
                </>
              ) : (
                <Text dimColor>no QA record ({recordRequired ? 'refused' : 'not a production profile'})</Text>
              )}
            </Text>
          );
        })}
      </Panel>
      {records.length > 0 && rows[cursor]?.record && (
        <Text dimColor wrap="truncate-end">
          {rows[cursor]!.record!.file}
        </Text>
      )}
    </Box>
  );
};

/** The QA record's app and images beside the target's: what QA tested against what is promoted. */
const IdentityPage = ({ review, record }: { review: PromoteReview; record: QaRecordChoice | undefined }) => {
  const { lock } = review;
  const same = record !== undefined && record.appDigest === lock.appDigest;
  const qaImages = new Map((record?.images ?? []).map((i) => [i.component, i]));
  const cell = (text: string) => (
    <Box width={27} flexShrink={0}>
      <Text wrap="truncate-end">{text}</Text>
    </Box>
  );
  const row = (label: string, qa: string, target: string, mark?: ReactNode, key = label) => (
    <Box key={key}>
      <Box width={11} flexShrink={0}>
        <Text dimColor wrap="truncate-end">
          {label}
        </Text>
      </Box>
      {cell(qa)}
      {cell(target)}
      {mark}
    </Box>
  );
  const image = (i: LockedImage | undefined) => (i ? i.image : '-');
  return (
    <Panel title={`Identity · what QA tested, what goes to ${review.profile}`} focused>
      {row('', record ? `QA record (${record.profile})` : 'no QA record', `${review.profile} (target)`)}
      {row(
        'app digest',
        record ? short(record.appDigest) : '-',
        short(lock.appDigest),
        record ? (
          same ? (
            <Text color="green">✔ SAME APP</Text>
          ) : (
            <Text color="red">✖ differs</Text>
          )
        ) : undefined,
      )}
      {lock.images.flatMap((i) => {
        const qa = qaImages.get(i.component);
        return [
          row(
            i.component,
            image(qa),
            i.image,
            qa && qa.image === i.image ? <Text color="green">=</Text> : undefined,
          ),
          row('  digest', qa ? short(qa.digest) : '-', short(i.digest), undefined, `${i.component}-digest`),
        ];
      })}
      <Text dimColor wrap="truncate-end">
        chart {lock.chartVersion}
        {lock.openmrsVersion ? ` · OpenMRS ${lock.openmrsVersion}` : ''} · context {review.context}
      </Text>
    </Panel>
  );
};

/** The check gate promote ran at the profile's level, with the checks view's rows and verdict. */
const GatePage = ({ review, rows }: { review: PromoteReview; rows: number }) => {
  const shown = checkRows(review.gate, 'all');
  return (
    <Panel title={`Gate · omrs check at level ${review.gate.level}`} focused>
      {review.gate.scopes.map((s) => (
        <Text key={s.scope} dimColor wrap="truncate-end">
          {s.skipped ? `${s.scope}: skipped (${s.skipped})` : `${s.scope}: ${s.rules} rules on ${s.target}`}
        </Text>
      ))}
      {shown.length === 0 && <Text dimColor>No findings.</Text>}
      {shown.slice(0, rows).map((row, i) =>
        row.kind === 'group' ? (
          <Text key={`g-${row.severity}`} bold>
            {row.severity.toUpperCase()} ({row.count})
          </Text>
        ) : (
          <FindingRow key={i} finding={row.finding} selected={false} />
        ),
      )}
      {shown.length > rows && (
        <Text dimColor> ↓ {shown.length - rows} more (c on the profile lists them all)</Text>
      )}
      <Verdict report={review.gate} />
    </Panel>
  );
};

const CHANGE_MARK = { added: '+', changed: '~', removed: '-' } as const;

/** The objects the idle colour gets, and what happens to the infrastructure. */
const PlanPage = ({ review, rows }: { review: PromoteReview; rows: number }) => {
  const { plan } = review;
  const counts = (['added', 'changed', 'removed'] as const)
    .map((k) => `${plan.objects.filter((o) => o.change === k).length} ${k}`)
    .join(', ');
  return (
    <Panel title={`Plan · idle colour ${plan.colour} in ${plan.namespace}`} focused>
      <Text wrap="truncate-end">
        live now: <Text bold>{review.live ?? 'none'}</Text> · objects: {counts}
      </Text>
      {plan.objects.slice(0, rows).map((o) => (
        <Text key={`${o.kind}/${o.name}`} wrap="truncate-end">
          {' '}
          {CHANGE_MARK[o.change]} {o.kind}/{o.name}
          {o.field ? <Text dimColor> ({o.field})</Text> : null}
        </Text>
      ))}
      {plan.objects.length > rows && <Text dimColor> ↓ {plan.objects.length - rows} more</Text>}
      <Text wrap="truncate-end">
        <Text dimColor>infrastructure:</Text> {plan.infra.summary}
      </Text>
    </Panel>
  );
};
