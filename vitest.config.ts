import { defineConfig } from 'vitest/config';

// End-to-end files share engines, so each lane runs its files one at a time, and the three lanes
// run side by side: they share no engine state a test judges. The engines mostly wait on 2 cores
// (about a third of the CPU was busy with two lanes), so a third lane cuts the wall time.
//   - e2e-cluster: the harness API server's Kubernetes objects and promotions (worker threads).
//   - e2e: Docker's containers, volumes and host files (one child process).
//   - e2e-kind: the kind cluster's nodes (its own Docker engine).
// Files that share no engine state with the others are spread over the lanes to balance them.
// vitest runs a pool's single-worker files only after its multi-worker ones, so each lane needs a
// pool of its own: threads, forks and vmForks; the unit files take the fourth, vmThreads.
const CLUSTER_FILES = [
  'test/e2e/checks/cluster.test.ts',
  // The shell's release walk, its profiles walk (the gate's cluster checks) and qa_eu on both runtimes
  // judge the harness cluster as a whole, so they cannot run beside the cluster files.
  'test/e2e/cli/cockpit-profiles-tmux.test.ts',
  'test/e2e/cli/cockpit-release-tmux.test.ts',
  'test/e2e/cli/env-name.test.ts',
  'test/e2e/engines/kube.test.ts',
  'test/e2e/envs/envs.test.ts',
  'test/e2e/envs/kube-bad-expiry.test.ts',
  'test/e2e/interrupt-matrix/kube.test.ts',
  'test/e2e/interrupt-matrix/promote.test.ts',
  'test/e2e/kube/**/*.test.{ts,tsx}',
  'test/e2e/promote/**/*.test.{ts,tsx}',
  'test/e2e/render/kube-dry-run.test.ts',
  // Files that share no engine state with the other lanes (the scanners, their own MariaDB
  // databases, images and containers of their own), here to balance the lanes.
  'test/e2e/checks/scanners.test.ts',
  'test/e2e/terraform/scanners.test.ts',
  'test/e2e/seed/seed.test.ts',
  'test/e2e/engines/images.test.ts',
  'test/e2e/render/images-bundle.test.ts',
  // Reaches the shared Docker engine with read-only commands only.
  'test/e2e/cli/robustness.test.ts',
];
const KIND_FILES = [
  // Each kind file works in namespaces of its own on the shared kind cluster.
  'test/e2e/kind/**/*.test.{ts,tsx}',
  // To balance the lanes, as above.
  'test/e2e/seed/kill.test.ts',
  'test/e2e/seed/purge-interrupt.test.ts',
];
const E2E = { testTimeout: 120_000, hookTimeout: 300_000 };

export default defineConfig({
  test: {
    // vitest reads the vmForks pool's options from the root config only (the kind lane's pool).
    poolOptions: { vmForks: { singleFork: true } },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.{ts,tsx}', 'test/unit/**/*.test.{ts,tsx}'],
          // A pool of its own (vmThreads, several workers), or the e2e lane's single fork would
          // wait for every unit file first (2.5 min of an idle lane in CI).
          pool: 'vmThreads',
          // They run beside the three end-to-end lanes on CI's two cores: ESLint's first lint (the
          // layer rule's test) took 5.4 s there once, past vitest's 5 s default.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e-cluster',
          include: CLUSTER_FILES,
          ...E2E,
          pool: 'threads',
          poolOptions: { threads: { singleThread: true } },
        },
      },
      {
        test: {
          name: 'e2e-kind',
          include: KIND_FILES,
          ...E2E,
          pool: 'vmForks',
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.{ts,tsx}'],
          exclude: [...CLUSTER_FILES, ...KIND_FILES],
          ...E2E,
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
