// An action's error as the shell shows it in place: OmrsError's message and hint (a URL's password
// masked, as every printed error), or the first line of anything else.
import { isOmrsError } from '../../errors.js';
import { maskCredentials } from '../../mask.js';

export interface ErrorNote {
  message: string;
  hint?: string;
  /** The first problems behind it (a profile's schema errors), each with its key path. */
  problems?: string[];
}

const MAX_PROBLEMS = 3;

export function errorNote(error: unknown): ErrorNote {
  const text = error instanceof Error ? error.message : String(error);
  if (!isOmrsError(error)) return { message: maskCredentials(text.split('\n')[0]!) };
  const problems = error.problems.slice(0, MAX_PROBLEMS).map((p) => {
    const path = p.path?.length ? `${p.path.join('.')}: ` : '';
    return maskCredentials(`${path}${p.message}${p.hint ? ` (${p.hint})` : ''}`);
  });
  if (error.problems.length > MAX_PROBLEMS)
    problems.push(`… and ${error.problems.length - MAX_PROBLEMS} more`);
  return {
    message: maskCredentials(text),
    ...(error.hint && { hint: error.hint }),
    ...(problems.length > 0 && { problems }),
  };
}
