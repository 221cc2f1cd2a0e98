// `omrs up --runtime kind` on the harness's real-node kind cluster (issue 14), against a bare
// `helm upgrade --install --wait --wait-for-jobs` of the very values omrs derives, in the same run.
//   up, images on the nodes: omrs up (image checks, install, readiness in order) vs bare helm;
//   no-op re-up:             omrs up of the running environment (nothing to do), whole process;
//   from a snapshot (issue 19): `env create --from-snapshot` of a BENCH_SNAPSHOT_SIZE (medium)
//                            snapshot, against `env create` + `omrs seed` of the same size; target 5x.
//   cluster create, warm:    `kind create cluster` of a one-node cluster from the harness's node
//                            image (already built), then deleted; the shared cluster keeps running.
//   node image build:        read from the harness's build log (its last build), not built here:
//                            building it again would re-create the shared cluster.
// Seeding is off in the bench profile so both sides do the same work. The images are copied from
// the main Docker engine into the kind engine first, as test/e2e/kind/up.test.ts does.
// Needs the kind, images and helm engines (`npm run engines`) and `npm run build`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  fmtS,
  harnessState,
  log,
  missingEngine,
  report,
  root,
  row,
  skipped,
  timeRun,
  unmeasured,
} from './lib.mjs';

const METRICS = {
  up: ['omrs up --runtime kind, images on the nodes, vs helm --wait', 'report'],
  noop: ['no-op omrs up --runtime kind, whole process', 'report'],
  snapshot: [
    `omrs env create --from-snapshot (${process.env.BENCH_SNAPSHOT_SIZE ?? 'medium'}), kind`,
    '≥ 5× faster',
  ],
  create: ['kind create cluster, 1 node, node image built (warm)', 'report'],
  nodeImage: ['kind node image build (server tarball + kind build node-image)', 'report'],
};

/** The last node image build's steps, from the harness's build log: [seconds, when] or undefined. */
function lastNodeImageBuild() {
  const file = join(process.env.OMRS_HARNESS_CACHE ?? '/var/cache/omrs-harness', 'logs', 'kind-build.log');
  if (!existsSync(file)) return undefined;
  const done = [
    ...readFileSync(file, 'utf8').matchAll(
      /^== (\S+) (kubernetes-server tarball for kind|kind build node-image \S+) done in (\d+)s$/gm,
    ),
  ];
  const image = done.findLast((m) => m[2].startsWith('kind build'));
  const tarball = done.findLast((m) => m[2].startsWith('kubernetes-server') && m.index < image?.index);
  return image && tarball ? [Number(image[3]) + Number(tarball[3]), image[1]] : undefined;
}
const SNAPSHOT_SIZE = process.env.BENCH_SNAPSHOT_SIZE ?? 'medium';
const down = missingEngine('kind', 'images', 'helm');
if (down) report(Object.values(METRICS).map(([m, t]) => skipped(m, t, down)));
else await benchmark();

/** A one-node cluster from the harness's node image, timed until its node is Ready, then deleted. */
function createCluster(kind, dir) {
  const name = 'omrs-bench-create';
  const config = join(dir, 'one-node.yaml');
  writeFileSync(
    config,
    'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n  - role: control-plane\n',
  );
  const env = { ...process.env, DOCKER_HOST: kind.dockerHost, DOCKER_API_VERSION: '1.41' };
  const kindCli = (...args) => timeRun(kind.kind, args, { env });
  kindCli('delete', 'cluster', '--name', name);
  try {
    const run = kindCli(
      'create',
      'cluster',
      '--name',
      name,
      '--image',
      kind.nodeImage,
      '--config',
      config,
      '--kubeconfig',
      join(dir, 'create-kubeconfig'),
      '--wait',
      '3m',
    );
    if (run.status !== 0) throw new Error(`kind create cluster failed: ${run.stderr.slice(-2000)}`);
    return run.ms;
  } finally {
    kindCli('delete', 'cluster', '--name', name);
  }
}

async function benchmark() {
  const kind = harnessState('kind');
  const { tags } = harnessState('images');
  const helm = harnessState('helm').helm;
  const env = `bench-kind-${process.pid % 100000}`;
  const baseNs = `${env}-helm`;
  const dir = mkdtempSync(join(tmpdir(), 'omrs-bench-kind-'));
  const cliEnv = {
    ...process.env,
    KUBECONFIG: kind.kubeconfig,
    DOCKER_HOST: kind.dockerHost,
    OMRS_KIND: kind.kind,
    OMRS_HELM: helm,
    CI: 'true',
  };
  mkdirSync(join(dir, 'profiles'));
  for (const f of ['base.yaml', 'dev.yaml'])
    writeFileSync(join(dir, 'profiles', f), readFileSync(join(root, 'profiles', f), 'utf8'));
  writeFileSync(
    join(dir, 'profiles', 'bench.yaml'),
    `extends: dev\nruntime: kind\nopenmrs:\n  images:\n    gateway: ${tags.gateway}\n    frontend: ${tags.frontend}\n    backend: ${tags.backend}\n    db: ${tags.mariadb}\nimages:\n  pullPolicy: Never\nseed:\n  enabled: false\ndatabase:\n  storage: 1Gi\ncluster:\n  kind:\n    name: ${kind.cluster}\n`,
  );
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'bench', omrs: { profilesDir: 'profiles' } }),
  );
  const omrs = (...args) => {
    const run = timeRun(
      process.execPath,
      [join(root, 'bin/omrs.js'), ...args, '--profile', 'bench', '--env', env, '--runtime', 'kind'],
      { cwd: dir, env: cliEnv },
    );
    if (run.status !== 0) throw new Error(`omrs ${args.join(' ')} failed: ${run.stderr.slice(-2000)}`);
    return run;
  };
  const docker = (host, args, input) =>
    execFileSync('docker', args, {
      env: { ...process.env, DOCKER_HOST: host },
      input,
      maxBuffer: 2 ** 31 - 1,
    });
  const kubectl = (...args) =>
    execFileSync(kind.kubectl ?? 'kubectl', ['--context', kind.context, ...args], {
      env: cliEnv,
      stdio: 'ignore',
    });
  const namespaceGone = async (ns) => {
    for (let i = 0; i < 600; i++) {
      try {
        kubectl('get', 'namespace', ns);
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`namespace ${ns} still there after 5 min`);
  };
  /** Disposable environments: `env`, `seed` and `db` commands with their own --env. */
  const disposable = new Set();
  const cli = (...args) => {
    const run = timeRun(
      process.execPath,
      [join(root, 'bin/omrs.js'), ...args, '--runtime', 'kind', '--json'],
      { cwd: dir, env: cliEnv },
    );
    if (run.status !== 0) throw new Error(`omrs ${args.join(' ')} failed: ${run.stderr.slice(-2000)}`);
    return { ms: run.ms, result: JSON.parse(run.stdout) };
  };
  const fromSnapshot = () => {
    const seeded = cli('env', 'create', '--profile', 'bench', '--ttl', '1h');
    disposable.add(seeded.result.name);
    const seed = cli('seed', '--env', seeded.result.name, '--size', SNAPSHOT_SIZE, '--seed', '5');
    const seededMs = seeded.ms + seed.ms;
    cli('db', 'snapshot', 'bench', '--env', seeded.result.name);
    const restored = cli('env', 'create', '--profile', 'bench', '--ttl', '1h', '--from-snapshot', 'bench');
    disposable.add(restored.result.name);
    log(
      `seeded (${SNAPSHOT_SIZE}) by create ${fmtS(seeded.ms)} + seed ${fmtS(seed.ms)}; by --from-snapshot ${fmtS(restored.ms)}`,
    );
    return { seededMs, restoredMs: restored.ms };
  };
  try {
    for (const image of [tags.gateway, tags.frontend, tags.backend, tags.mariadb])
      docker(kind.dockerHost, ['load', '-q'], docker('unix:///var/run/docker.sock', ['save', image]));
    log('warm-up: omrs up loads the images into the nodes');
    omrs('up');
    omrs('down', '--volumes');
    await namespaceGone(`omrs-${env}`);

    const up = omrs('up');
    const noop = omrs('up');
    log(`omrs up ${fmtS(up.ms)}, no-op ${fmtS(noop.ms)}`);
    omrs('down', '--volumes');

    const values = timeRun(
      process.execPath,
      [join(root, 'bin/omrs.js'), 'render', '--profile', 'bench', '--env', env, '--values', '--json'],
      { cwd: dir, env: cliEnv },
    ).stdout;
    writeFileSync(join(dir, 'values.json'), values);
    const bare = timeRun(
      helm,
      [
        'upgrade',
        '--install',
        env,
        join(root, 'charts/openmrs'),
        '-f',
        join(dir, 'values.json'),
        '--namespace',
        baseNs,
        '--create-namespace',
        '--kube-context',
        kind.context,
        '--wait',
        '--wait-for-jobs',
        '--timeout',
        '10m',
      ],
      { env: cliEnv },
    );
    if (bare.status !== 0) throw new Error(`helm install failed: ${bare.stderr}`);
    log(`bare helm --wait ${fmtS(bare.ms)}`);
    const snapshot = fromSnapshot();
    const created = createCluster(kind, dir);
    log(`kind create cluster (1 node, warm) ${fmtS(created)}`);
    const built = lastNodeImageBuild();
    report([
      row({
        metric: METRICS.up[0],
        omrs: fmtS(up.ms),
        baseline: `${fmtS(bare.ms)} (helm --wait)`,
        ratio: up.ms / bare.ms,
        target: METRICS.up[1],
        ok: true,
      }),
      row({
        metric: METRICS.noop[0],
        omrs: fmtS(noop.ms),
        baseline: '-',
        ratio: noop.ms / 1000,
        ratioText: fmtS(noop.ms),
        target: METRICS.noop[1],
        ok: true,
      }),
      row({
        metric: METRICS.snapshot[0],
        omrs: fmtS(snapshot.restoredMs),
        baseline: `${fmtS(snapshot.seededMs)} (env create + seed)`,
        ratio: snapshot.seededMs / snapshot.restoredMs,
        ratioText: `${(snapshot.seededMs / snapshot.restoredMs).toFixed(2)}× faster`,
        target: METRICS.snapshot[1],
        ok: snapshot.seededMs / snapshot.restoredMs >= 5,
      }),
      row({
        metric: METRICS.create[0],
        omrs: fmtS(created),
        baseline: '-',
        ratio: created / 1000,
        ratioText: fmtS(created),
        target: METRICS.create[1],
        ok: true,
      }),
      built
        ? row({
            metric: METRICS.nodeImage[0],
            omrs: `${built[0]} s`,
            baseline: `harness build log, ${built[1]}`,
            ratio: built[0],
            ratioText: `${built[0]} s`,
            target: METRICS.nodeImage[1],
            ok: true,
          })
        : unmeasured(METRICS.nodeImage[0], METRICS.nodeImage[1], 'no node image build in the harness log'),
    ]);
  } finally {
    for (const name of disposable)
      try {
        cli('env', 'rm', name);
      } catch {
        /* best effort */
      }
    try {
      kubectl('delete', 'namespace', baseNs, `omrs-${env}`, '--ignore-not-found', '--wait=false');
    } catch {
      /* best effort */
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
