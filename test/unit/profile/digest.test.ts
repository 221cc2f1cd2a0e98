import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appDigest, canonicalJson, splitScopes } from '../../../src/profile/digest.js';
import { loadProfile } from '../../../src/profile/load.js';
import { ProfileSchema, TOP_LEVEL_KEYS, metaOf } from '../../../src/profile/schema.js';

const dir = mkdtempSync(join(tmpdir(), 'omrs-digest-'));
const digestOf = (name: string, text: string): string => {
  writeFileSync(join(dir, `${name}.yaml`), text);
  return appDigest(
    loadProfile(name, { config: { profilesDir: dir, defaultProfile: name }, env: {}, cwd: dir }).profile,
  );
};

describe('app digest', () => {
  const base = `
openmrs:
  images:
    backend: openmrs/openmrs-reference-application-3-backend:3.4.0
  globalProperties:
    a: '1'
    b: '2'
tenants: [{ name: default }]
replicas: { backend: 1 }
`;

  it('is a sha256', () => {
    expect(digestOf('base', base)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('does not change with key order or formatting', () => {
    const reordered = `
# a comment
replicas:
    backend: 1
tenants:
  - name: "default"
openmrs:
  globalProperties: { b: '2', a: '1' }
  images: { backend: "openmrs/openmrs-reference-application-3-backend:3.4.0" }
`;
    expect(digestOf('reordered', reordered)).toBe(digestOf('base2', base));
  });

  it('changes when an app value changes', () => {
    expect(digestOf('app-changed', base.replace("a: '1'", "a: '9'"))).not.toBe(digestOf('base3', base));
  });

  it('does not change when an env value changes', () => {
    expect(digestOf('env-changed', base.replace('backend: 1 }', 'backend: 5 }') + 'runtime: eks\n')).toBe(
      digestOf('base4', base),
    );
  });

  it('is the same whether a default is written out or not', () => {
    expect(digestOf('explicit-chart', base + 'chart: { version: 0.1.0 }\n')).toBe(digestOf('base5', base));
  });
});

describe('scopes', () => {
  it('marks every top-level key app or env', () => {
    for (const key of TOP_LEVEL_KEYS)
      expect(metaOf(ProfileSchema.shape[key as keyof typeof ProfileSchema.shape]).scope, key).toMatch(
        /^(app|env)$/,
      );
  });

  it('puts images, chart and tenants in app, and runtime, replicas and seed in env', () => {
    const { app, env } = splitScopes(ProfileSchema.parse({}));
    expect(Object.keys(app).sort()).toEqual(['chart', 'openmrs', 'tenants']);
    expect(Object.keys(env)).toEqual(
      expect.arrayContaining(['runtime', 'replicas', 'seed', 'database', 'cluster']),
    );
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[2,{"y":2,"z":1}]},"b":1}',
    );
  });
});
