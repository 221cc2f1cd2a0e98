// `docker exec` of one command in a running container, as the probes and the backup reads use it.
import type { Writable } from 'node:stream';
import type { Docker } from '../../platform/docker.js';

export interface ExecEnd {
  /** The command's exit code; null when it had not ended (timed out) or Docker does not say. */
  exitCode: number | null;
  timedOut: boolean;
}

/** Runs `command` in container `id`, its stdout into `out` and its stderr into `err`. */
export async function execInContainer(
  docker: Docker,
  id: string,
  command: string[],
  io: { out: Writable; err: Writable; timeoutMs?: number },
): Promise<ExecEnd> {
  const exec = await docker.getContainer(id).exec({ Cmd: command, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  docker.modem.demuxStream(stream, io.out, io.err);
  const ended = await new Promise<boolean>((resolve) => {
    const timer = io.timeoutMs === undefined ? undefined : setTimeout(() => resolve(false), io.timeoutMs);
    const end = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    stream.once('end', end);
    stream.once('close', end);
    stream.once('error', end);
  });
  if (!ended) {
    stream.destroy();
    return { exitCode: null, timedOut: true };
  }
  return { exitCode: (await exec.inspect()).ExitCode ?? null, timedOut: false };
}
