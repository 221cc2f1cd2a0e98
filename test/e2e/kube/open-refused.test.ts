// `omrs open` when the forwarded port stops answering: a fault a real node does not give on demand
// (the gateway would have to stop listening while its pod stays Ready), so it stays on kwok, which
// forwards the gateway's port to state.portForwardTarget, where this file listens and then stops.
// `omrs logs` (--tail, --since, -f, every service) and `open` serving runs on real nodes in
// kind/up.test.ts. See test/harness/README.md, "Kubernetes".
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEngine, type KubeEngine } from '../../helpers/engines.js';
import { runCli, type CliRun } from '../../helpers/cli.js';
import { admin, HELM, project, removeNamespace, until, type Admin } from './cluster.js';

const kube = requireEngine('kube');

/** What `up` needs from the harness state; an older state file lacks it. */
function served(k: KubeEngine): { target: { address: string; port: number } } {
  if (!k.portForwardTarget)
    throw new Error(
      'state/kube.json has no portForwardTarget: run `bash test/harness/engines/kube.sh up` to reconfigure kwok',
    );
  return { target: k.portForwardTarget };
}

/** Sends `text` on a new connection and resolves with all that comes back once the other side ends it. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(`the connection through the forward did not end within 15 s; got: ${JSON.stringify(got)}`),
      );
    }, 15_000);
    socket.on('data', (d: Buffer) => (got += d.toString('utf8')));
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    socket.write(text);
  });
}

/** Runs the CLI in the background (e.g. `logs -f`, `open`); `stop()` aborts it like Ctrl-C. */
function startCli(argv: string[], cwd: string, k: KubeEngine) {
  const controller = new AbortController();
  const seen = { stdout: '', stderr: '' };
  const run: Promise<CliRun> = runCli(argv, {
    cwd,
    env: { KUBECONFIG: k.kubeconfig, OMRS_HELM: HELM },
    signal: controller.signal,
    onStdout: (text) => (seen.stdout = text),
    onStderr: (text) => (seen.stderr = text),
  });
  let ended: CliRun | undefined;
  void run.then((r) => (ended = r));
  const wait = async (stream: 'stdout' | 'stderr', what: string, check: (text: string) => boolean) => {
    await until(
      async () => {
        if (ended) throw new Error(`omrs ${argv.join(' ')} ended (${ended.code}) early: ${ended.stderr}`);
        return check(seen[stream]);
      },
      20_000,
      what,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; ${stream} so far:\n${seen[stream]}`);
    });
  };
  return {
    stdout: () => seen.stdout,
    until: (what: string, check: (text: string) => boolean) => wait('stdout', what, check),
    untilStderr: (what: string, check: (text: string) => boolean) => wait('stderr', what, check),
    stop: async () => {
      controller.abort();
      return run;
    },
  };
}

describe.skipIf(!kube)(
  'omrs open through the API server when the forwarded port stops answering (kwok kubelet endpoint)',
  () => {
    const env = `kl${process.pid % 10000}`;
    const namespace = `omrs-${env}`;
    let a: Admin;
    let proj: { root: string; remove: () => void };
    let up: CliRun;
    const cli = (argv: string[]) =>
      runCli(argv, { cwd: proj.root, env: { KUBECONFIG: kube!.kubeconfig, OMRS_HELM: HELM } });

    beforeAll(async () => {
      served(kube!);
      a = admin(kube!);
      proj = project(kube!, {});
      up = await cli(['up', '--runtime', 'kube', '--env', env]);
      expect(up.code, up.stderr).toBe(0);
    }, 180_000);

    afterAll(async () => {
      if (a) await removeNamespace(a, namespace);
      proj?.remove();
    }, 90_000);

    it('the command `up` prints forwards the gateway through pods/portforward: the URL answers with our server', async () => {
      const { target } = served(kube!);
      const token = `omrs-pf-${randomBytes(8).toString('hex')}`;
      const paths: string[] = [];
      const server: Server = createServer((req, res) => {
        paths.push(req.url ?? '');
        res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
        res.end(token);
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', (e) =>
          reject(
            new Error(
              `cannot listen on the port-forward target ${target.address}:${target.port}: ${e.message}`,
            ),
          ),
        );
        server.listen(target.port, target.address, resolve);
      });
      try {
        const hint = /omrs (open --runtime kube --env \S+)/.exec(up.stdout);
        expect(hint?.[1], up.stdout).toBe(`open --runtime kube --env ${env}`);
        const open = startCli(hint![1]!.split(' '), proj.root, kube!);
        const url = /(http:\/\/127\.0\.0\.1:\d+\/openmrs\/spa)\S*/;
        try {
          await open.until('the URL', (t) => url.test(t));
          const printed = url.exec(open.stdout())![1]!;
          expect(open.stdout()).toMatch(new RegExp(`→ ${env}-gateway-[a-z0-9]+-[a-z0-9]+`));
          // Two connections: each is its own port-forward stream.
          for (let i = 0; i < 2; i++) {
            const res = await fetch(printed, { signal: AbortSignal.timeout(15_000) });
            expect(res.status).toBe(200);
            expect(await res.text()).toBe(token);
          }
          expect(paths).toEqual(['/openmrs/spa', '/openmrs/spa']);
          // Nothing listens at the target: the kubelet (kwok) reports it and closes the stream; omrs prints
          // the reason and closes that connection (the client library alone would leave it hanging).
          await new Promise<void>((resolve) => server.close(() => resolve()));
          const refused = await rawRequest(Number(new URL(printed).port), 'GET / HTTP/1.0\r\n\r\n');
          expect(refused).toBe('');
          await open.untilStderr('the reason', (t) => /port-forward to .*gateway.*(refused|dial)/i.test(t));
        } finally {
          const r = await open.stop();
          expect([0, 130]).toContain(r.code);
        }
      } finally {
        if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });
  },
);
