// One environment with a broken expiry must not stop the commands about the others, on a cluster
// (issue 21). Against the harness API server: environments created by omrs (namespace and labels
// only, no release), then relabelled: an expiry an `env create --ttl 99999999999d` would have
// written, a word, and none. Only the namespaces this file creates are judged: other environments
// may live on the shared cluster.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnv } from '../../../src/envs/index.js';
import { runCli } from '../../helpers/cli.js';
import { requireEngine } from '../../helpers/engines.js';
import { gcPlanOf, plantedNames, type ListedEnv } from './planted.js';
import { admin, deleteNamespaces, deps, HELM, project, type Admin } from '../kube/cluster.js';

const kube = requireEngine('kube');

describe.skipIf(!kube)('a broken expiry on one cluster environment', () => {
  let a: Admin;
  let proj: { root: string; remove: () => void };
  const tag = randomBytes(2).toString('hex');
  const names = plantedNames(tag);
  const mine = new Set(Object.values(names));
  const ns = (name: string) => `omrs-${name}`;
  const cli = (argv: string[]) =>
    runCli([...argv, '--runtime', 'kube'], {
      cwd: proj.root,
      env: { KUBECONFIG: kube!.kubeconfig, OMRS_HELM: process.env.OMRS_HELM ?? HELM, CI: 'true' },
    });
  const ls = async (): Promise<Map<string, ListedEnv>> => {
    const run = await cli(['env', 'ls', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const all = (JSON.parse(run.stdout) as { environments: ListedEnv[] }).environments;
    return new Map(all.filter((e) => mine.has(e.name)).map((e) => [e.name, e]));
  };
  /** Present and not being deleted. */
  const alive = async (name: string): Promise<boolean> => {
    const found = await a.core.readNamespace({ name: ns(name) }).catch(() => undefined);
    return found !== undefined && !found.metadata?.deletionTimestamp;
  };
  beforeAll(async () => {
    a = admin(kube!);
    proj = project(kube!, {});
    const d = deps(kube!, proj.root);
    for (const name of mine) await createEnv({ name, ttl: '1h', noInstall: true }, d);
    const now = Math.floor(Date.now() / 1000);
    const { setHeaderOptions, PatchStrategy } = await import('@kubernetes/client-node');
    // A JSON merge patch: null removes the label.
    const patch = (name: string, expires: string | null) =>
      a.core.patchNamespace(
        { name: ns(name), body: { metadata: { labels: { 'omrs.dev/expires': expires } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    await patch(names.absurd, String(now + 99_999_999_999 * 86_400));
    await patch(names.word, 'soon');
    await patch(names.missing, null);
    await patch(names.expired, String(now - 30));
  });
  afterAll(async () => {
    if (a) await deleteNamespaces(a, [...mine].map(ns));
    proj?.remove();
  });

  it('lists every environment, the broken ones with their problem (JSON and text)', async () => {
    const listed = await ls();
    expect([...listed.keys()].sort()).toEqual([...mine].sort());
    expect(listed.get(names.absurd)!.problem).toMatch(/label omrs.dev\/expires ".*" is more than 365d/);
    expect(listed.get(names.word)!.problem).toMatch(/label omrs.dev\/expires "soon" is not a time/);
    expect(listed.get(names.missing)!.problem).toMatch(/label omrs.dev\/expires is missing/);
    for (const broken of [names.absurd, names.word, names.missing])
      expect(listed.get(broken), broken).toMatchObject({ expires: null, expiresInSeconds: null });
    expect(listed.get(names.expired)).toMatchObject({ state: 'expired' });
    expect(listed.get(names.live)!.expiresInSeconds).toBeGreaterThan(3000);
    const text = await cli(['env', 'ls']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.split('\n').find((l) => l.startsWith(names.word))).toMatch(/invalid label value/);
    expect(text.stdout).toMatch(new RegExp(`warning: ${names.missing}: label omrs.dev/expires is missing`));
  });

  it('gc removes the expired one, reports and keeps the broken ones', async () => {
    const dry = await cli(['env', 'gc', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(gcPlanOf(dry.stdout, mine)).toEqual({
      removed: [names.expired],
      skipped: [names.absurd, names.missing, names.word].sort(),
    });
    const gc = await cli(['env', 'gc', '--json']);
    expect(gc.code, gc.stderr).toBe(0);
    expect(await alive(names.expired)).toBe(false);
    for (const kept of [names.absurd, names.word, names.missing, names.live, names.other])
      expect(await alive(kept), kept).toBe(true);
  });

  it('extend and rm work on the others; extend fixes a broken one; rm removes one', async () => {
    const extend = await cli(['env', 'extend', names.live, '--ttl', '2h', '--json']);
    expect(extend.code, extend.stderr).toBe(0);
    expect((await ls()).get(names.live)!.expiresInSeconds).toBeGreaterThan(3600 + 7200 - 120);
    const tooFar = await cli(['env', 'extend', names.live, '--ttl', '365d']);
    expect(tooFar.code).toBe(2);
    expect(tooFar.stderr).toMatch(/would make it expire in more than 365d/);

    const rmOther = await cli(['env', 'rm', names.other, '--json']);
    expect(rmOther.code, rmOther.stderr).toBe(0);
    expect(await alive(names.other)).toBe(false);

    const fix = await cli(['env', 'extend', names.absurd, '--ttl', '1h', '--json']);
    expect(fix.code, fix.stderr).toBe(0);
    const fixed = (await ls()).get(names.absurd)!;
    expect(fixed.problem).toBeUndefined();
    expect(fixed.expiresInSeconds).toBeGreaterThan(3500);
    expect(fixed.expiresInSeconds).toBeLessThanOrEqual(3600);
    const label = (await a.core.readNamespace({ name: ns(names.absurd) })).metadata!.labels![
      'omrs.dev/expires'
    ];
    expect(Date.parse(fixed.expires!)).toBe(Number(label) * 1000);

    for (const broken of [names.word, names.missing]) {
      const rm = await cli(['env', 'rm', broken, '--json']);
      expect(rm.code, rm.stderr).toBe(0);
      expect(await alive(broken), broken).toBe(false);
    }
  });
});
