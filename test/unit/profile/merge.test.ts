import { describe, expect, it } from 'vitest';
import { mergeLayers, originOf, type Layer } from '../../../src/profile/merge.js';
import { pathKey, type Position } from '../../../src/profile/source.js';

const layer = (file: string, value: Record<string, unknown>, paths: (string | number)[][] = []): Layer => ({
  value,
  positions: new Map<string, Position>(
    paths.map((p, i) => [pathKey(p), { value: { file, line: i + 1, column: 1 } }]),
  ),
  secretPaths: [],
  interpolated: [],
});

describe('mergeLayers', () => {
  it('merges maps key by key, later layers winning', () => {
    const merged = mergeLayers([
      layer('base', { replicas: { backend: 1, gateway: 1 }, runtime: 'compose' }),
      layer('prod', { replicas: { backend: 3 } }),
    ]);
    expect(merged.value).toEqual({ replicas: { backend: 3, gateway: 1 }, runtime: 'compose' });
  });

  it('replaces lists instead of concatenating them', () => {
    const merged = mergeLayers([
      layer('base', { tenants: [{ name: 'a' }, { name: 'b' }] }),
      layer('qa', { tenants: [{ name: 'c' }] }),
    ]);
    expect(merged.value.tenants).toEqual([{ name: 'c' }]);
  });

  it('removes a key set to null, and nulls inside a new subtree', () => {
    const merged = mergeLayers([
      layer('base', { seed: { enabled: true, size: 'large' }, ingress: { host: 'x' } }),
      layer('prod', { seed: null, monitoring: { enabled: true, extra: null } }),
    ]);
    expect(merged.value).toEqual({ ingress: { host: 'x' }, monitoring: { enabled: true } });
  });

  it('lets a scalar replace a map and a map replace a scalar', () => {
    const merged = mergeLayers([
      layer('a', { x: { y: 1 }, z: 'text' }),
      layer('b', { x: 'flat', z: { deep: true } }),
    ]);
    expect(merged.value).toEqual({ x: 'flat', z: { deep: true } });
  });

  it('does not share objects with its inputs', () => {
    const base = { replicas: { backend: 1 } };
    const merged = mergeLayers([layer('base', base), layer('dev', { replicas: { gateway: 2 } })]);
    (merged.value.replicas as Record<string, number>).backend = 99;
    expect(base.replicas.backend).toBe(1);
  });

  it('remembers which file set each key', () => {
    const merged = mergeLayers([
      layer('base.yaml', { replicas: { backend: 1, gateway: 1 } }, [
        ['replicas'],
        ['replicas', 'backend'],
        ['replicas', 'gateway'],
      ]),
      layer('prod.yaml', { replicas: { backend: 3 } }, [['replicas'], ['replicas', 'backend']]),
    ]);
    expect(originOf(merged.origins, ['replicas', 'backend'])?.value.file).toBe('prod.yaml');
    expect(originOf(merged.origins, ['replicas', 'gateway'])?.value.file).toBe('base.yaml');
  });

  it('forgets the origins of a replaced subtree', () => {
    const merged = mergeLayers([
      layer('base.yaml', { tenants: [{ name: 'a' }, { name: 'b' }] }, [
        ['tenants'],
        ['tenants', 0],
        ['tenants', 1],
      ]),
      layer('qa.yaml', { tenants: [{ name: 'c' }] }, [['tenants'], ['tenants', 0]]),
    ]);
    expect(merged.origins.has(pathKey(['tenants', 1]))).toBe(false);
    expect(originOf(merged.origins, ['tenants', 0])?.value.file).toBe('qa.yaml');
  });
});
