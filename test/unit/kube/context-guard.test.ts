import { describe, expect, it } from 'vitest';
import { guardContext, type GuardInput } from '../../../src/runtime/kube/context-guard.js';
import { readiness } from '../../../src/runtime/kube/watch.js';
import { releaseHash } from '../../../src/runtime/kube/labels.js';

const profile = (
  over: Partial<{ runtime: string; level: string; context: string }> = {},
): GuardInput['profile'] =>
  ({
    runtime: over.runtime ?? 'kube',
    checks: { level: over.level ?? 'dev', waivers: [] },
    cluster: { ...(over.context && { context: over.context }) },
  }) as GuardInput['profile'];
const base = { contexts: ['dev', 'prod-ctx', 'kind-omrs'], current: 'dev' };
const code = async (p: Promise<unknown>) =>
  p.then(
    () => 0,
    (e: { exitCode: number }) => e.exitCode,
  );

describe('context guard', () => {
  it('uses the current context for a non-prod kube profile that names none', async () => {
    expect(await guardContext({ ...base, profile: profile(), runtime: 'kube' })).toMatchObject({
      context: 'dev',
      source: 'current',
    });
  });
  it('uses the context the profile names, and refuses another --context with exit 2', async () => {
    expect(
      (
        await guardContext({
          ...base,
          profile: profile({ context: 'prod-ctx', level: 'qa' }),
          runtime: 'kube',
        })
      ).context,
    ).toBe('prod-ctx');
    expect(
      await code(
        guardContext({
          ...base,
          profile: profile({ context: 'prod-ctx', level: 'qa' }),
          runtime: 'kube',
          flag: 'dev',
        }),
      ),
    ).toBe(2);
  });
  it('kind uses kind-<name>', async () => {
    expect(
      (await guardContext({ ...base, profile: profile({ runtime: 'kind' }), runtime: 'kind' })).context,
    ).toBe('kind-omrs');
  });
  it('a missing context is a prerequisite (4)', async () => {
    expect(
      await code(guardContext({ ...base, profile: profile({ context: 'nope' }), runtime: 'kube' })),
    ).toBe(4);
    expect(await code(guardContext({ contexts: [], profile: profile(), runtime: 'kube' }))).toBe(4);
    expect(
      await code(
        guardContext({ ...base, profile: profile({ level: 'prod' }), runtime: 'kube', flag: 'dev' }),
      ),
    ).toBe(4);
  });
  it('prod needs --context, then --yes or a typed confirmation', async () => {
    const prod = profile({ level: 'prod', context: 'prod-ctx' });
    expect(await code(guardContext({ ...base, profile: prod, runtime: 'kube' }))).toBe(2);
    expect(await code(guardContext({ ...base, profile: prod, runtime: 'kube', flag: 'prod-ctx' }))).toBe(2);
    expect(
      (await guardContext({ ...base, profile: prod, runtime: 'kube', flag: 'prod-ctx', yes: true })).prod,
    ).toBe(true);
    expect(
      (
        await guardContext({
          ...base,
          profile: prod,
          runtime: 'kube',
          flag: 'prod-ctx',
          interactive: true,
          confirm: async () => 'prod-ctx\n',
        })
      ).context,
    ).toBe('prod-ctx');
    expect(
      await code(
        guardContext({
          ...base,
          profile: prod,
          runtime: 'kube',
          flag: 'prod-ctx',
          interactive: true,
          confirm: async () => 'yes',
        }),
      ),
    ).toBe(2);
    expect(
      await code(
        guardContext({
          ...base,
          profile: profile({ runtime: 'eks', context: 'prod-ctx' }),
          runtime: 'eks',
          flag: 'prod-ctx',
        }),
      ),
    ).toBe(2);
  });
});

describe('readiness', () => {
  it('a deployment is ready when the observed generation is current and all replicas are ready and updated', () => {
    const d = {
      metadata: { generation: 2 },
      spec: { replicas: 1 },
      status: {
        observedGeneration: 2,
        readyReplicas: 1,
        updatedReplicas: 1,
        replicas: 1,
        availableReplicas: 1,
      },
    };
    expect(readiness('Deployment', d as never).ready).toBe(true);
    expect(
      readiness('Deployment', { ...d, status: { ...d.status, observedGeneration: 1 } } as never).ready,
    ).toBe(false);
    const failing = {
      ...d,
      status: {
        ...d.status,
        updatedReplicas: 0,
        conditions: [
          { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'exceeded quota' },
        ],
      },
    };
    expect(readiness('Deployment', failing as never).failed).toMatch(/exceeded quota/);
  });
  it('jobs: complete or failed', () => {
    expect(
      readiness('Job', { status: { conditions: [{ type: 'Complete', status: 'True' }] } } as never),
    ).toMatchObject({ ready: true, detail: 'job done' });
    expect(
      readiness('Job', {
        status: { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] },
      } as never).failed,
    ).toMatch(/Backoff/);
  });
  it('the release hash follows values and namespace', () => {
    expect(releaseHash({ a: 1 }, 'n', 'c')).toBe(releaseHash({ a: 1 }, 'n', 'c'));
    expect(releaseHash({ a: 2 }, 'n', 'c')).not.toBe(releaseHash({ a: 1 }, 'n', 'c'));
  });
});
