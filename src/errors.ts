// The one error type for expected failures. A leaf module: it imports nothing of ours but the
// catalogue of its codes (a type), so every layer can throw it without creating import cycles.
import type { ErrorCode } from './error-codes.js';

export type { ErrorCode };

export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  gate: 3,
  prerequisite: 4,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Where in which file a problem is, 1-based like editors show it. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

/** One of possibly many problems behind an error (e.g. every schema violation of a profile). */
export interface Problem {
  code: string;
  message: string;
  location?: SourceLocation;
  /** Key path inside the document, e.g. ["replicas", "backend"]. */
  path?: (string | number)[];
  expected?: string;
  hint?: string;
}

export interface OmrsErrorOptions {
  /** One of the catalogue (src/error-codes.ts, docs/errors.md). */
  code: ErrorCode;
  message: string;
  hint?: string;
  exitCode?: ExitCode;
  problems?: Problem[];
  cause?: unknown;
}

export class OmrsError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;
  readonly problems: Problem[];

  constructor(options: OmrsErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OmrsError';
    this.code = options.code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.failed;
    this.problems = options.problems ?? [];
  }
}

export const isOmrsError = (error: unknown): error is OmrsError => error instanceof OmrsError;

export class InterruptedError extends OmrsError {
  constructor(what = 'operation') {
    super({
      code: 'INTERRUPTED',
      message: `${what} interrupted`,
      exitCode: ExitCode.interrupted,
      hint: 'Run the same command again: it converges from where it stopped.',
    });
  }
}
