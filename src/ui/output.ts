// Picks how a command talks: Ink in a terminal, plain lines without one (or with CI/--plain),
// NDJSON events with --json. Results go to stdout, progress and diagnostics to stderr.
import pc from 'picocolors';
import { InterruptedError } from '../errors.js';
import { EventBus } from '../events/bus.js';
import type { Io } from './io.js';
import type { Colors, OutputFlags, OutputMode, Verbosity } from './output-types.js';
import { printPlainEvents } from './printers/plain.js';
import { printJsonEvents } from './printers/json.js';

export function chooseMode(flags: OutputFlags, io: Pick<Io, 'stdout' | 'stderr' | 'env'>): OutputMode {
  if (flags.json) return 'json';
  if (flags.plain || io.env.CI === 'true' || io.env.CI === '1') return 'plain';
  return io.stdout.isTTY && io.stderr.isTTY ? 'ink' : 'plain';
}

export function chooseVerbosity(flags: OutputFlags): Verbosity {
  if (flags.debug) return 'debug';
  if (flags.verbose) return 'verbose';
  if (flags.quiet) return 'quiet';
  return 'normal';
}

export function colorsFor(stream: Io['stderr'], env: Io['env'], flag?: boolean): Colors {
  if (flag === false || env.NO_COLOR !== undefined) return pc.createColors(false);
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return pc.createColors(true);
  return pc.createColors(Boolean(stream.isTTY));
}

export class Output {
  readonly events = new EventBus();
  readonly mode: OutputMode;
  readonly verbosity: Verbosity;
  readonly colors: Colors;
  readonly errColors: Colors;
  #closers: (() => Promise<void> | void)[] = [];

  constructor(
    readonly io: Io,
    flags: OutputFlags,
  ) {
    this.mode = chooseMode(flags, io);
    this.verbosity = chooseVerbosity(flags);
    this.colors = colorsFor(io.stdout, io.env, flags.color);
    this.errColors = colorsFor(io.stderr, io.env, flags.color);
  }

  /** Starts the progress consumer for a long action. Ink is loaded only here, and only in a TTY. */
  async startProgress(title?: string): Promise<void> {
    if (this.mode === 'json') {
      this.#closers.push(printJsonEvents(this.events, this.io.stderr, this.verbosity));
    } else if (this.mode === 'ink' && this.verbosity !== 'quiet') {
      const { renderProgress } = await import('./progress-view.js');
      const view = renderProgress(this.events, this.io, title, { verbosity: this.verbosity });
      this.#closers.push(() => view.unmount());
    } else {
      this.#closers.push(printPlainEvents(this.events, this.io.stderr, this.verbosity, this.errColors));
    }
  }

  /**
   * A command's result: the JSON document with --json, else its text rendering. After Ctrl-C or
   * SIGTERM no result is printed and the command ends as interrupted (exit 130), even when its use
   * case had finished: it never reports a success the user asked to stop. Only a step that must not
   * be run twice (a promotion past its switch) passes `{ evenIfInterrupted: true }`.
   */
  result(data: unknown, text: (c: Colors) => string, options: { evenIfInterrupted?: boolean } = {}): void {
    if (this.io.signal.aborted && !options.evenIfInterrupted) throw new InterruptedError();
    if (this.mode === 'json') {
      this.io.stdout.write(JSON.stringify(data, null, 2) + '\n');
      return;
    }
    const rendered = text(this.colors);
    if (rendered) this.io.stdout.write(rendered.endsWith('\n') ? rendered : rendered + '\n');
  }

  /** Diagnostics that are not part of the result. */
  note(message: string): void {
    if (this.mode !== 'json' && this.verbosity !== 'quiet') this.io.stderr.write(message + '\n');
  }

  async close(): Promise<void> {
    const closers = this.#closers.splice(0).reverse();
    for (const close of closers) await close();
  }
}
