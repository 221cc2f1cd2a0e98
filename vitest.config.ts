import { defineConfig } from 'vitest/config';

// End-to-end files share engines, so each group runs its files one at a time. The two groups
// share no engine state a test judges (the cluster group's Kubernetes objects and promotions; the
// rest's Docker containers, volumes and host files), so they run side by side: the cluster group in
// worker threads, the rest in one child process. vitest runs singleFork files only after every
// multi-fork file, so a second forks group would wait for the first; the threads pool runs beside it.
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
  // kind/promote.test.ts runs in the other group: its namespaces (omrs-pk*) are its own on the kind
  // cluster, and the cluster group is the longer one.
  'test/e2e/kind/gc-cronjob.test.ts',
  'test/e2e/kind/real-node.test.ts',
  'test/e2e/kind/up.test.ts',
  'test/e2e/kube/**/*.test.{ts,tsx}',
  'test/e2e/promote/**/*.test.{ts,tsx}',
  'test/e2e/render/kube-dry-run.test.ts',
  // Files that use neither Docker's containers nor a cluster (their own MariaDB databases, the
  // scanners), here to balance the two groups: the other group is the longer one without them.
  'test/e2e/checks/scanners.test.ts',
  'test/e2e/seed/seed.test.ts',
  'test/e2e/terraform/scanners.test.ts',
];
const E2E = { testTimeout: 120_000, hookTimeout: 300_000 };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.{ts,tsx}', 'test/unit/**/*.test.{ts,tsx}'],
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
          name: 'e2e',
          include: ['test/e2e/**/*.test.{ts,tsx}'],
          exclude: CLUSTER_FILES,
          ...E2E,
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
