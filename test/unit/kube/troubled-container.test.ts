// Which container a failed rollout's report reads: the pod statuses are the shapes a kubelet
// writes (the end-to-end test in kind/monitoring makes a real one: a sidecar that cannot start).
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { troubledContainer } from '../../../src/runtime/kube/diagnose.js';

const status = (name: string, s: Partial<V1ContainerStatus>): V1ContainerStatus => ({
  name,
  image: 'img',
  imageID: '',
  ready: false,
  restartCount: 0,
  ...s,
});
const pod = (init: V1ContainerStatus[], containers: V1ContainerStatus[]): V1Pod => ({
  status: { initContainerStatuses: init, containerStatuses: containers },
});
const crashLooping = (name: string) =>
  status(name, {
    restartCount: 3,
    state: { waiting: { reason: 'CrashLoopBackOff' } },
    lastState: { terminated: { exitCode: 1, reason: 'Error' } },
  });

describe('troubledContainer', () => {
  it('names a crash-looping sidecar, not the ready main container before it', () => {
    const t = troubledContainer(
      pod([], [status('nginx', { ready: true, state: { running: {} } }), crashLooping('exporter')]),
    );
    expect(t).toEqual({
      name: 'exporter',
      state: 'CrashLoopBackOff, restarted 3 times, last exit code 1 (Error)',
      previous: false,
    });
  });

  it('prefers a container that waits or restarts to one that only fails its readiness probe', () => {
    const t = troubledContainer(
      pod([], [status('backend', { state: { running: {} } }), crashLooping('exporter')]),
    );
    expect(t?.name).toBe('exporter');
    expect(troubledContainer(pod([], [status('backend', { state: { running: {} } })]))?.state).toBe(
      'running, not ready',
    );
  });

  it('names the first init container that has not finished well; finished ones and the ones waiting behind it are skipped', () => {
    const t = troubledContainer(
      pod(
        [
          status('wait-db', { state: { terminated: { exitCode: 0 } } }),
          crashLooping('fetch-modules'),
          status('later', { state: { waiting: { reason: 'PodInitializing' } } }),
        ],
        [status('backend', { state: { waiting: { reason: 'PodInitializing' } } })],
      ),
    );
    expect(t?.name).toBe('fetch-modules');
  });

  it('asks for the previous run of a container that restarted and runs again', () => {
    const t = troubledContainer(
      pod(
        [],
        [
          status('backend', {
            restartCount: 2,
            state: { running: {} },
            lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
          }),
        ],
      ),
    );
    expect(t).toEqual({
      name: 'backend',
      state: 'running, not ready, restarted 2 times, last exit code 137 (OOMKilled)',
      previous: true,
    });
  });

  it('names nothing when every container is ready', () => {
    expect(
      troubledContainer(pod([], [status('nginx', { ready: true, state: { running: {} } })])),
    ).toBeUndefined();
  });
});
