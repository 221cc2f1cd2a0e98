import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../render/objects.js';
import { driftOf, parseWorkloadReplicas, workloadReplicas } from './drift.js';

const object = (kind: string, name: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind,
  metadata: { name, labels: {}, annotations: {} },
  raw: { apiVersion: 'apps/v1', kind, metadata: { name }, spec },
  text: '',
});

describe('workloadReplicas', () => {
  it('records the replicas of Deployments and StatefulSets only, null where the manifest sets none', () => {
    const replicas = workloadReplicas([
      object('Deployment', 'dev-backend-default', { replicas: 2 }),
      object('Deployment', 'dev-gateway', {}),
      object('StatefulSet', 'dev-db', { replicas: 1 }),
      object('Job', 'dev-init-default'),
      object('Service', 'dev-gateway'),
    ]);
    expect(replicas).toEqual({
      'Deployment/dev-backend-default': 2,
      'Deployment/dev-gateway': null,
      'StatefulSet/dev-db': 1,
    });
    expect(parseWorkloadReplicas(JSON.stringify(replicas))).toEqual(replicas);
  });

  it('reads no annotation, or one it did not write, as unknown (no drift check)', () => {
    for (const text of [undefined, '', 'not json', '[1]', '{"Deployment/x":"1"}', 'null'])
      expect(parseWorkloadReplicas(text), String(text)).toBeUndefined();
  });
});

describe('driftOf', () => {
  const live = (name: string, replicas?: number) => ({ metadata: { name }, spec: { replicas } });
  it('names what is missing or scaled away from the release, and ignores replicas the release leaves open', () => {
    const expected = {
      'Deployment/dev-backend-default': 2,
      'Deployment/dev-frontend': 1,
      'Deployment/dev-gateway': null,
      'StatefulSet/dev-db': 1,
    };
    expect(
      driftOf(expected, [live('dev-backend-default', 0), live('dev-gateway', 5)], [live('dev-db')]),
    ).toEqual([
      'Deployment/dev-backend-default has 0 replicas, the release 2',
      'Deployment/dev-frontend is missing',
    ]);
    expect(
      driftOf(
        expected,
        [live('dev-backend-default', 2), live('dev-frontend', 1), live('dev-gateway')],
        [live('dev-db', 1)],
      ),
    ).toEqual([]);
  });
});
