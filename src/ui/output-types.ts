// The output's shared types, in a leaf module so the output, its printers and the progress view
// can all name them without importing one another.
import type { Colors } from 'picocolors/types.js';

export type { Colors };

export type OutputMode = 'ink' | 'plain' | 'json';
export type Verbosity = 'quiet' | 'normal' | 'verbose' | 'debug';

export interface OutputFlags {
  json?: boolean;
  plain?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  debug?: boolean;
  color?: boolean;
}
