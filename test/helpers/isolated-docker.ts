// A second dockerd of its own (test/harness/engines/docker.sh with OMRS_DOCKERD_ROOT): its own
// socket, data, containerd and bridge, so a test can see an empty engine, or kill one, without
// touching the engine the other tests share. Needs root and the harness docker engine installed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const SCRIPT = join(import.meta.dirname, '../harness/engines/docker.sh');

export interface IsolatedDockerd {
  root: string;
  socket: string;
  /** `docker.sh <command>` for this instance: up (idempotent, recovers a dead one), status, stop. */
  script(command: 'up' | 'status' | 'stop'): { status: number | null; stdout: string; stderr: string };
  /** Stops it and removes everything it left (its data root's mounts and bridge included). */
  remove(): void;
}

export function isolatedDockerd(): IsolatedDockerd {
  // Short: the containerd socket lives under it and unix socket paths are limited to 108 bytes.
  const root = mkdtempSync('/tmp/omrs-dk-');
  const env = { ...process.env, OMRS_DOCKERD_ROOT: root };
  const script = (command: string) => {
    const r = spawnSync('bash', [SCRIPT, command], { env, encoding: 'utf8', timeout: 200_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  return {
    root,
    socket: join(root, 'docker.sock'),
    script,
    remove() {
      script('stop');
      rmSync(root, { recursive: true, force: true });
    },
  };
}
