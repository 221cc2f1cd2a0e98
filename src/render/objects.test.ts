import { describe, expect, it } from 'vitest';
import { maskSecretData, parseObjects, select, selectOne } from './objects.js';
import { imagesOf } from './workloads.js';

const TEXT = `---
# Source: openmrs/templates/backend.yaml
apiVersion: v1
kind: Secret
metadata:
  name: e-db-a
  namespace: ns
  labels: { omrs.dev/component: backend, omrs.dev/tenant: a }
data: { password: c2VjcmV0 }
---
# Source: openmrs/templates/backend.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: e-backend-a
  labels: { omrs.dev/component: backend, omrs.dev/tenant: a, replicas: 3 }
  annotations: { omrs.dev/app-digest: "sha256:x" }
spec:
  template:
    spec:
      initContainers: [ { name: wait, image: db:1 } ]
      containers: [ { name: backend, image: be:1 } ]
---
---
apiVersion: batch/v1
kind: CronJob
metadata: { name: e-backup, labels: { omrs.dev/component: backup } }
spec: { jobTemplate: { spec: { template: { spec: { containers: [ { name: dump, image: db:1 } ] } } } } }
`;

describe('parseObjects', () => {
  const objects = parseObjects(TEXT);

  it('reads every non-empty document with its typed metadata and source', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Secret/e-db-a',
      'Deployment/e-backend-a',
      'CronJob/e-backup',
    ]);
    expect(objects[0]).toMatchObject({
      apiVersion: 'v1',
      metadata: { namespace: 'ns' },
      source: 'openmrs/templates/backend.yaml',
    });
    expect(objects[1]?.metadata.labels.replicas).toBe('3');
    expect(objects[1]?.metadata.annotations).toEqual({ 'omrs.dev/app-digest': 'sha256:x' });
  });

  it('selects by kind, component and tenant', () => {
    expect(select(objects, { component: 'backend' })).toHaveLength(2);
    expect(select(objects, { kind: ['Deployment', 'CronJob'] })).toHaveLength(2);
    expect(selectOne(objects, { kind: 'Secret', tenant: 'a' }).metadata.name).toBe('e-db-a');
    expect(() => selectOne(objects, { component: 'backend' })).toThrow(/found 2/);
  });

  it('finds the images of pod templates, CronJobs included', () => {
    expect(objects.map(imagesOf)).toEqual([[], ['db:1', 'be:1'], ['db:1']]);
  });

  it('masks Secret values and leaves other objects alone', () => {
    expect(maskSecretData(objects[0]!).raw.data).toEqual({ password: '***' });
    expect(objects[0]!.raw.data).toEqual({ password: 'c2VjcmV0' });
    expect(maskSecretData(objects[1]!)).toBe(objects[1]);
  });

  it('masks the text helm printed in place, keeping its comment and order; never leaks a value', () => {
    const [secret] = parseObjects(
      [
        '# Source: openmrs/templates/secret.yaml',
        'apiVersion: v1',
        'kind: Secret',
        'metadata:',
        '  name: s',
        'stringData:',
        '  config.properties: |',
        '    password=hunter22',
        '',
        '    user=omrs',
        '  token: abc123',
        'data:',
        '  password: c2VjcmV0',
        'type: Opaque',
      ].join('\n'),
    );
    const text = maskSecretData(secret!).text;
    expect(text).toBe(
      [
        '# Source: openmrs/templates/secret.yaml',
        'apiVersion: v1',
        'kind: Secret',
        'metadata:',
        '  name: s',
        'stringData:',
        "  config.properties: '***'",
        "  token: '***'",
        'data:',
        "  password: '***'",
        'type: Opaque',
      ].join('\n'),
    );
    expect(parseObjects(text)[0]!.raw.stringData).toEqual({ 'config.properties': '***', token: '***' });
    const [flow] = parseObjects(
      'apiVersion: v1\nkind: Secret\nmetadata: {name: f}\ndata: {password: c2VjcmV0}\n',
    );
    const masked = maskSecretData(flow!).text;
    expect(masked).not.toContain('c2VjcmV0');
    expect(parseObjects(masked)[0]!.raw.data).toEqual({ password: '***' });
  });

  it('rejects YAML that is broken or not a Kubernetes object', () => {
    expect(() => parseObjects('a: [')).toThrow(/invalid YAML/);
    expect(() => parseObjects('just: a map')).toThrow(/not a Kubernetes object/);
  });

  it('takes a user file with a few aliases, and refuses one whose aliases multiply it', () => {
    const shared = `apiVersion: v1
kind: ConfigMap
metadata: { name: m, labels: &l { app: x } }
data: { a: "1" }
extra: [*l, *l, *l]
`;
    expect(parseObjects(shared, 'file')[0]!.raw.extra).toEqual([{ app: 'x' }, { app: 'x' }, { app: 'x' }]);
    // Six levels of nine aliases each: 9^6 nodes once expanded, from 60 written ones.
    const levels = ['l0: &l0 [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i <= 6; i++)
      levels.push(
        `l${i}: &l${i} [${Array(9)
          .fill(`*l${i - 1}`)
          .join(', ')}]`,
      );
    expect(() => parseObjects(`kind: ConfigMap\n${levels.join('\n')}\n`, 'file')).toThrow(
      expect.objectContaining({ code: 'MANIFEST_ALIAS_BOMB', exitCode: 2 }),
    );
  });

  it('reads a chart document’s head now and the rest on first use, each as a whole-document parse would', () => {
    const text = `# Source: openmrs/templates/x.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: e-x
  annotations:
    note: |
      first

      third
# a comment between keys
data:
  a: "1"
  b: |
    kind: NotMe
    metadata: {}
---
{ apiVersion: v1, kind: Service, metadata: { name: e-flow }, spec: { type: ClusterIP } }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: e-broken }
data: { a: [ }
`;
    const [head, flow, broken] = parseObjects(text);
    expect(head!.metadata).toEqual({ name: 'e-x', labels: {}, annotations: { note: 'first\n\nthird\n' } });
    expect(head!.raw).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'e-x', annotations: { note: 'first\n\nthird\n' } },
      data: { a: '1', b: 'kind: NotMe\nmetadata: {}\n' },
    });
    expect({ ...head }.raw).toBe(head!.raw);
    expect(flow!.raw).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'e-flow' },
      spec: { type: 'ClusterIP' },
    });
    // helm has parsed its output whole before printing it, so a broken body can only come from a
    // caller's own text; it fails where the body is read.
    expect(broken!.metadata.name).toBe('e-broken');
    expect(() => broken!.raw).toThrow(/the chart rendered invalid YAML/);
    // A user's file is read whole at once.
    expect(() => parseObjects(text, 'file')).toThrow(/document 3 is not valid YAML/);
  });
});
