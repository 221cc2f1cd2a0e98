// Reading one typed line from the user (the confirmation of a production context, a promotion).
import type { Io } from './io.js';

/** Whether askLine can ask a person: the question goes to stderr, the answer comes from stdin. */
export const canAsk = (io: Pick<Io, 'stdin' | 'stderr'>): boolean =>
  io.stdin.isTTY === true && io.stderr.isTTY === true;

/** Writes `question` to stderr and reads one line from stdin (empty when stdin ends first). */
export function askLine(io: Pick<Io, 'stdin' | 'stderr'>, question: string): Promise<string> {
  io.stderr.write(question);
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer | string): void => {
      text += chunk.toString();
      if (text.includes('\n')) finish();
    };
    const finish = (): void => {
      io.stdin.off('data', onData);
      io.stdin.off('end', finish);
      // Stop reading so a terminal's stdin does not keep the process alive after the answer.
      io.stdin.pause();
      resolve((text.split('\n')[0] ?? '').replace(/\r$/, ''));
    };
    io.stdin.on('data', onData);
    io.stdin.on('end', finish);
  });
}
