// withPods: what a workload's pods wait on, and which waits end the step at once. The pod statuses
// are the shapes the kubelet reports; kind/up.test.ts shows the crash-looping init container on a
// real kubelet (a module with the wrong checksum).
import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { withPods } from '../../../src/runtime/kube/watch.js';

const starting = { ready: false, detail: '0/1 ready' };
const pod = (status: k8s.V1PodStatus): k8s.V1Pod => ({ metadata: { name: 'be-1' }, status });
const init = (name: string, state: k8s.V1ContainerState, lastState?: k8s.V1ContainerState) =>
  ({
    name,
    state,
    ...(lastState && { lastState }),
    ready: false,
    restartCount: 1,
    image: 'i',
    imageID: '',
  }) as k8s.V1ContainerStatus;

describe('withPods', () => {
  it('fails at once on an init container the kubelet backs off from, with its termination message', () => {
    const r = withPods(starting, [
      pod({
        initContainerStatuses: [
          init('wait-for-database', { terminated: { exitCode: 0 } } as k8s.V1ContainerState),
          init('fetch-modules', { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } }, {
            terminated: { exitCode: 1, message: 'omrs: module m: sha256 mismatch\n' },
          } as k8s.V1ContainerState),
        ],
      }),
    ]);
    expect(r.failed).toBe(
      'init container fetch-modules of pod be-1 exited with code 1: omrs: module m: sha256 mismatch',
    );
    expect(r.detail).toBe('0/1 ready, Init:CrashLoopBackOff');
  });

  it('keeps waiting on an init container that is still running, or restarting after a clean exit', () => {
    const running = withPods(starting, [
      pod({ initContainerStatuses: [init('wait-for-database', { running: {} })] }),
    ]);
    expect(running).toEqual(starting);
    const clean = withPods(starting, [
      pod({
        initContainerStatuses: [
          init('x', { waiting: { reason: 'CrashLoopBackOff' } }, {
            terminated: { exitCode: 0 },
          } as k8s.V1ContainerState),
        ],
      }),
    ]);
    expect(clean.failed).toBeUndefined();
    expect(clean.detail).toBe('0/1 ready, CrashLoopBackOff');
  });

  it('fails on an image a node may never get, and only names other waits', () => {
    const never = withPods(starting, [
      pod({
        containerStatuses: [
          init('backend', { waiting: { reason: 'ErrImageNeverPull', message: 'image x not present' } }),
        ],
      }),
    ]);
    expect(never.failed).toBe('ErrImageNeverPull: backend: image x not present');
    const pulling = withPods(starting, [
      pod({ containerStatuses: [init('backend', { waiting: { reason: 'ContainerCreating' } })] }),
    ]);
    expect(pulling).toEqual(starting);
  });
});
