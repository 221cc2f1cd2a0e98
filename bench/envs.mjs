// Benchmark: 20 disposable environments created and collected on the harness cluster, and a
// no-op `up`. Prints seconds per environment and API requests per environment (the API server's
// own apiserver_request_total counter, so helm's requests count too).
// Usage: node bench/envs.mjs   (needs the kube engine: npm run engines -- up kube)
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';

const N = Number(process.env.BENCH_ENVS ?? 20);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 4);
const root = join(import.meta.dirname, '..');
const state = JSON.parse(readFileSync('/var/cache/omrs-harness/state/kube.json', 'utf8'));
const HELM = process.env.OMRS_HELM ?? '/var/cache/omrs-harness/helm/lambda-layer-kubectl-v31-2.1.0/helm/helm';

// Bundle the use cases (TypeScript) into a temp folder; dependencies stay external.
const out = mkdtempSync(join(tmpdir(), 'omrs-bench-envs-'));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
await build({
  entryPoints: { envs: join(root, 'src/envs/index.ts'), up: join(root, 'src/runtime/kube/up.ts') },
  outdir: join(root, 'bench', '.envs-build'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  splitting: true,
  external: Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }),
  logLevel: 'warning',
});
const { createEnv, gcEnvs, listEnvs } = await import(join(root, 'bench/.envs-build/envs.js'));
const { kubeUp } = await import(join(root, 'bench/.envs-build/up.js'));

const kc = new k8s.KubeConfig();
kc.loadFromFile(state.kubeconfig);
const core = kc.makeApiClient(k8s.CoreV1Api);
// The API server's own counter of every request it served (helm's included).
const requestTotal = async () => {
  const opts = {};
  await kc.applyToHTTPSOptions(opts);
  const { request } = await import('node:https');
  const text = await new Promise((resolve, reject) => {
    const req = request(`${state.server}/metrics`, { ...opts, method: 'GET' }, (r) => {
      let body = '';
      r.on('data', (d) => (body += d));
      r.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
  return sum(text);
};
const sum = (text) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('apiserver_request_total{'))
    .reduce((s, l) => s + Number(l.split(' ').pop()), 0);

// A static provisioner: the harness cluster has no storage provisioner.
let stopped = false;
const made = new Set();
const provisioner = (async () => {
  while (!stopped) {
    const claims = await core.listPersistentVolumeClaimForAllNamespaces({}).catch(() => ({ items: [] }));
    for (const pvc of claims.items) {
      const ns = pvc.metadata.namespace;
      if (!ns.startsWith('omrs-') || pvc.status?.phase !== 'Pending') continue;
      const name = `omrs-bench-${ns}-${pvc.metadata.name}`.slice(0, 253);
      if (made.has(name)) continue;
      made.add(name);
      await core
        .createPersistentVolume({
          body: {
            metadata: { name, labels: { 'omrs.dev/test-pv': 'true' } },
            spec: {
              capacity: { storage: pvc.spec.resources.requests.storage },
              accessModes: pvc.spec.accessModes,
              persistentVolumeReclaimPolicy: 'Retain',
              storageClassName: '',
              hostPath: { path: `/tmp/${name}` },
              claimRef: { namespace: ns, name: pvc.metadata.name },
            },
          },
        })
        .catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
})();

const deps = {
  cwd: root,
  env: { ...process.env, KUBECONFIG: state.kubeconfig, OMRS_HELM: HELM },
  events: { emit() {} },
  signal: new AbortController().signal,
};
const scope = { profile: 'qa', context: state.context };
try {
  const r0 = await requestTotal();
  const t0 = performance.now();
  const names = [];
  const queue = Array.from({ length: N }, (_, i) => i);
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift())
        names.push((await createEnv({ ...scope, ttl: '1s' }, deps)).name);
    }),
  );
  const created = performance.now() - t0;
  const r1 = await requestTotal();

  // A no-op up of one of them.
  const noop = [];
  for (let i = 0; i < 5; i++) {
    const s = performance.now();
    const r = await kubeUp({ ...scope, env: names[0] }, deps);
    noop.push({ ms: performance.now() - s, noop: r.noop });
  }
  const r2 = await requestTotal();

  while ((await listEnvs(scope, deps)).some((e) => names.includes(e.name) && e.expiresInSeconds > 0))
    await new Promise((r) => setTimeout(r, 100));
  const t1 = performance.now();
  const gc = await gcEnvs(scope, deps);
  const collected = performance.now() - t1;
  const r3 = await requestTotal();

  const noopMedian = noop.map((n) => n.ms).sort((a, b) => a - b)[2];
  console.log(
    `environments:             ${N} (parallel ${PARALLEL}, profile qa, full helm install + readiness)`,
  );
  console.log(
    `create:                   ${(created / 1000).toFixed(1)} s total, ${(created / 1000 / N).toFixed(2)} s per environment (wall), ${Math.round((r1 - r0) / N)} API requests per environment`,
  );
  console.log(
    `gc:                       ${(collected / 1000).toFixed(1)} s for ${gc.removed.length} environments, ${(collected / 1000 / N).toFixed(2)} s per environment, ${Math.round((r3 - r2) / N)} API requests per environment`,
  );
  console.log(
    `no-op up:                 median ${Math.round(noopMedian)} ms of 5 (all noop: ${noop.every((n) => n.noop)}), ${Math.round((r2 - r1) / 5)} API requests each; budget 2000 ms → ratio ${(noopMedian / 2000).toFixed(3)}`,
  );
  if (noopMedian >= 2000 || gc.removed.length < N) process.exitCode = 1;
} finally {
  stopped = true;
  await provisioner;
  const pvs = await core.listPersistentVolume({ labelSelector: 'omrs.dev/test-pv=true' });
  await Promise.all(
    pvs.items.map((p) => core.deletePersistentVolume({ name: p.metadata.name }).catch(() => undefined)),
  );
  rmSync(out, { recursive: true, force: true });
  rmSync(join(root, 'bench', '.envs-build'), { recursive: true, force: true });
}
