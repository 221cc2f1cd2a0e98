import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { translate } from '../../../src/runtime/compose/translate.js';
import { readySteps } from '../../../src/runtime/kube/up.js';
import type { RawObject } from '../../../src/render/kube-spec.js';
import { parseObjects } from '../../../src/render/objects.js';
import {
  PHASES,
  READINESS_ORDER,
  selectorMatches,
  serviceSelects,
  workloads,
} from '../../../src/render/workloads.js';

const golden = (name: string): string =>
  readFileSync(new URL(`../../fixtures/render/golden/${name}.yaml`, import.meta.url), 'utf8');

const TIMEOUTS = { database: '1m', init: '1m', backend: '1m', frontend: '1m', gateway: '1m' };

describe('the readiness order', () => {
  it('places every workload of the chart in the same phase on Docker and on a cluster', () => {
    const objects = parseObjects(golden('dev'));
    const plan = translate(
      objects.map((o) => o.raw as unknown as RawObject),
      { env: 'golden', gatewayPort: 8080 },
    );
    const onDocker = PHASES.map((phase) =>
      plan.services
        .filter((s) => s.phase === phase)
        .map((s) => s.source)
        .sort(),
    );
    const onCluster = readySteps(objects, TIMEOUTS).map((step) =>
      step.workloads.map((w) => `${w.kind}/${w.name}`).sort(),
    );
    expect(onCluster).toEqual(onDocker);
    expect(onDocker.flat()).toHaveLength(plan.services.length);
    expect(onDocker.every((phase) => phase.length > 0)).toBe(true);
  });

  it('names the cluster steps after the chart components, in order', () => {
    const steps = readySteps(parseObjects(golden('dev')), TIMEOUTS);
    expect(steps.map((s) => s.id)).toEqual(READINESS_ORDER.map((p) => p.component));
    expect(steps.map((s) => s.id)).toEqual(['db', 'init', 'backend', 'frontend', 'gateway']);
  });
});

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front' };

  it('match labels and expressions as Kubernetes does', () => {
    expect(selectorMatches({ matchLabels: { app: 'web' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'db' } }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, labels)).toBe(true);
    expect(
      selectorMatches({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, labels),
    ).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'x', operator: 'Unknown' }] }, labels)).toBe(false);
    // An empty LabelSelector selects everything...
    expect(selectorMatches({}, labels)).toBe(true);
  });

  it("treat a Service's selector as a plain map that must not be empty", () => {
    expect(serviceSelects({ app: 'web' }, labels)).toBe(true);
    expect(serviceSelects({ app: 'web', tier: 'back' }, labels)).toBe(false);
    // ...but a Service without a selector selects no pod.
    expect(serviceSelects({}, labels)).toBe(false);
    expect(serviceSelects(undefined, labels)).toBe(false);
  });

  it('find the Services of the chart that select its workloads', () => {
    const objects = parseObjects(golden('dev'));
    const services = objects.filter((o) => o.kind === 'Service');
    for (const w of workloads(objects).filter((x) => x.kind !== 'Job'))
      expect(
        services.some((s) => serviceSelects((s.raw.spec as { selector?: unknown }).selector, w.labels)),
        w.ref,
      ).toBe(true);
  });
});
