#!/usr/bin/env node
// Thin launcher: everything lives in dist/ (built by `npm ci` through the prepare script).
import { main } from '../dist/cli/main.js';

// `omrs ... | head` closes the pipe early; that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const code = await main(process.argv.slice(2));
// An interrupted run ends here rather than when the event loop drains: while Node tears down it
// closes its signal handles, and a second Ctrl-C landing then would end the process by the
// signal's default, with no exit code. Nothing is lost: on Linux, writes to files, pipes and
// terminals are synchronous.
if (code === 130) process.exit(code);
process.exitCode = code;
