// The RDS waits of a promotion (snapshot available, restored instance available) poll with pauses
// that grow to 10 s; Ctrl-C must end the pause at once, not after it. The AWS emulator (moto)
// makes snapshots and instances available on the first read, so here the reader plays an RDS
// that stays "creating": it answers the poller, nothing else of AWS is imitated.
import { describe, expect, it } from 'vitest';
import { isOmrsError } from '../../../src/errors.js';
import { pollUntil } from '../../../src/promote/aws.js';

describe('pollUntil (RDS snapshot and instance waits)', () => {
  it('wakes from its pause when the signal aborts: exit 130, no further read', async () => {
    const controller = new AbortController();
    let reads = 0;
    const waiting = pollUntil(
      'snapshot pre-promotion-1',
      async () => {
        reads++;
        // Ctrl-C arrives right after the first answer, while the poller pauses before the next.
        if (reads === 1) setImmediate(() => controller.abort());
        return 'creating';
      },
      (status) => status === 'available',
      { timeoutMs: 10 * 60_000, signal: controller.signal },
    );
    const error: unknown = await waiting.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isOmrsError(error) && { code: error.code, exitCode: error.exitCode }).toEqual({
      code: 'INTERRUPTED',
      exitCode: 130,
    });
    expect((error as Error).message).toBe('snapshot pre-promotion-1 interrupted');
    // Before the fix the pause ran to its end and the poller read RDS once more before it noticed.
    expect(reads).toBe(1);
  });

  it('an already aborted signal stops before the first pause', async () => {
    const controller = new AbortController();
    controller.abort();
    let reads = 0;
    await expect(
      pollUntil(
        'restore of s1',
        async () => (reads++, 'creating'),
        (s) => s === 'available',
        { timeoutMs: 60_000, signal: controller.signal },
      ),
    ).rejects.toMatchObject({ code: 'INTERRUPTED', exitCode: 130 });
    expect(reads).toBe(1);
  });
});
