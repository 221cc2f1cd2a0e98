// Every rendered profile is accepted by a real kube-apiserver: a server-side dry-run create of
// each object (admission, schema validation, defaulting) in a real namespace.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { renderProfile } from '../../../src/render/index.js';
import { requireEngine } from '../../helpers/engines.js';

const root = join(import.meta.dirname, '../../..');
const helm = requireEngine('helm');
const kube = requireEngine('kube');
const namespace = `omrs-render-${process.pid}-${Date.now().toString(36)}`;

const PROFILES: Record<string, string> = {
  dev: 'dev',
  qa: 'qa',
  prod: 'prod',
  'three-tenants': join(root, 'test/fixtures/profiles/good/three-tenants.yaml'),
};

describe.skipIf(!helm || !kube)('rendered profiles against a real API server (dry run)', () => {
  let client: k8s.KubernetesObjectApi;
  let core: k8s.CoreV1Api;

  beforeAll(async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kube!.kubeconfig);
    kc.setCurrentContext(kube!.context);
    client = k8s.KubernetesObjectApi.makeApiClient(kc);
    core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({
      body: { metadata: { name: namespace, labels: { 'omrs.dev/test': 'render-dry-run' } } },
    });
  });

  afterAll(async () => {
    await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  it.each(Object.keys(PROFILES))('%s: every object passes a server-side dry-run create', async (name) => {
    const rendered = await renderProfile(
      { profile: PROFILES[name], env: `dry-${name}`.slice(0, 30), namespace, passwordSeed: 'dry-run-seed' },
      { cwd: root, env: { ...process.env, OMRS_HELM: helm!.helm } },
    );
    expect(rendered.objects.length).toBeGreaterThan(10);
    const rejected: string[] = [];
    for (const o of rendered.objects) {
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(namespace);
      try {
        await client.create(o.raw as k8s.KubernetesObject, undefined, 'All');
      } catch (error) {
        const body = error instanceof k8s.ApiException ? String(error.body) : String(error);
        rejected.push(`${o.kind}/${o.metadata.name}: ${body.slice(0, 400)}`);
      }
    }
    expect(rejected).toEqual([]);
  });
});
