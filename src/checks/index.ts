// `omrs check`: gathers what to check (paths or the profile's render, Terraform, database,
// cluster), evaluates the rules and returns the report. Never prints.
// The profile, the renderer, the cluster and database readers are imported when a check needs
// them: checking files alone (CI's manifests and terraform/) loads none of them, nor zod.
import { existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { ExitCode, OmrsError } from '../errors.js';
import { step } from '../events/bus.js';
import type { EventSink } from '../events/types.js';
import type { OpenedProfile } from '../profile/index.js';
import { parseObjects, type KubeObject } from '../render/objects.js';
import { evaluate, type Inputs } from './run.js';
import { absolute, classifyPath, readManifestDir, readManifestFile } from './sources/paths.js';
import { defaultHclCache, loadTerraform, type TerraformModel } from './sources/terraform.js';
import type { CheckReport, Level, Scope, Waiver } from './types.js';
import { SCOPES } from './types.js';

export interface CheckOptions {
  paths: string[];
  profile?: string;
  scopes?: Scope[];
  level?: Level;
  db?: string;
  context?: string;
  kubeconfig?: string;
  now?: Date;
  events: EventSink;
}

export interface CheckDeps {
  cwd: string;
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
}

export function parseScopes(raw: string | undefined): Scope[] | undefined {
  if (raw === undefined) return undefined;
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (bad.length || list.length === 0)
    throw new OmrsError({
      code: 'CHECK_BAD_SCOPE',
      message: `unknown scope ${bad.join(', ') || '(empty)'}`,
      exitCode: ExitCode.usage,
      hint: `Scopes: ${SCOPES.join(', ')}.`,
    });
  return list as Scope[];
}

interface ProfileFacts {
  name: string;
  level: Level;
  waivers: Waiver[];
  pinDigests: boolean;
  tenants: string[];
  namespace: string;
  context?: string;
  /** The opened profile, rendered as is for the manifests scope. */
  opened: OpenedProfile;
}

async function profileFacts(ref: string | undefined, deps: CheckDeps): Promise<ProfileFacts> {
  const [{ openProfile }, { envNameOf, namespaceFor }] = await Promise.all([
    import('../profile/index.js'),
    import('../render/env-name.js'),
  ]);
  const resolved = await openProfile(ref, deps);
  const p = resolved.profile;
  return {
    name: resolved.name,
    level: p.checks.level,
    waivers: p.checks.waivers,
    pinDigests: p.images.pinDigests,
    tenants: p.tenants.map((t) => t.name),
    // Where the kube runtime installs the profile's environment.
    namespace: p.cluster.namespace ?? namespaceFor(envNameOf(resolved.name)),
    ...(p.cluster.context && { context: p.cluster.context }),
    opened: resolved,
  };
}

async function renderChart(dir: string, deps: CheckDeps): Promise<KubeObject[]> {
  const { findHelm, helmTemplateText } = await import('../render/helm.js');
  const helm = await findHelm(deps.env);
  const text = await helmTemplateText(
    {},
    {
      helm,
      release: 'check',
      namespace: 'check',
      chart: dir,
      env: deps.env,
      ...(deps.signal && { signal: deps.signal }),
    },
  );
  return parseObjects(text).map((o) => ({
    ...o,
    source: join(relative(deps.cwd, dir), o.source?.replace(/^[^/]+\//, '') ?? ''),
  }));
}

const mergeModels = (models: TerraformModel[]): TerraformModel | undefined =>
  models.length === 0
    ? undefined
    : {
        root: models.map((m) => m.root).join(', '),
        files: models.flatMap((m) => m.files),
        resources: models.flatMap((m) => m.resources),
        backends: models.flatMap((m) => m.backends),
      };

export async function runCheck(options: CheckOptions, deps: CheckDeps): Promise<CheckReport> {
  const { events } = options;
  const usesProfile = options.paths.length === 0 || options.profile !== undefined;
  const facts = usesProfile ? await profileFacts(options.profile, deps) : undefined;
  const level: Level = options.level ?? facts?.level ?? 'prod';
  const wanted = new Set<Scope>(options.scopes ?? SCOPES);
  const explicit = new Set<Scope>(options.scopes ?? []);
  const inputs: Inputs = { skipped: [] };
  const skip = (scope: Scope, reason: string, hint: string): void => {
    if (explicit.has(scope))
      throw new OmrsError({
        code: 'CHECK_SCOPE_UNAVAILABLE',
        message: `cannot check ${scope}: ${reason}`,
        exitCode: ExitCode.usage,
        hint,
      });
    inputs.skipped!.push({ scope, reason });
  };

  const objects: KubeObject[] = [];
  const models: TerraformModel[] = [];
  const targets: string[] = [];
  for (const raw of options.paths) {
    const path = absolute(deps.cwd, raw);
    const kind = await classifyPath(path);
    if (kind === 'terraform' && wanted.has('terraform'))
      models.push(
        await step(events, `check-tf-${raw}`, `parse Terraform ${raw}`, () =>
          loadTerraform(path.endsWith('.tf') ? join(path, '..') : path, deps.cwd, {
            cacheDir: defaultHclCache(deps.env),
          }),
        ),
      );
    if (kind === 'manifest' && wanted.has('manifests'))
      objects.push(...(await readManifestFile(path, deps.cwd)));
    if (kind === 'manifest-dir' && wanted.has('manifests'))
      objects.push(...(await readManifestDir(path, deps.cwd)));
    if (kind === 'chart' && wanted.has('manifests'))
      objects.push(
        ...(await step(events, `check-chart-${raw}`, `helm template ${raw}`, () => renderChart(path, deps))),
      );
    targets.push(raw);
  }
  if (options.paths.length === 0 && facts) {
    if (wanted.has('manifests')) {
      const { renderProfile } = await import('../render/index.js');
      const rendered = await step(events, 'check-render', `render profile ${facts.name}`, () =>
        renderProfile({ profile: options.profile ?? facts.name, opened: facts.opened }, deps),
      );
      objects.push(...rendered.objects);
      inputs.manifests = {
        objects,
        target: `profile ${facts.name} (helm template of charts/openmrs)`,
        digestsPinnedAtPromotion: facts.pinDigests,
      };
    }
    const tfDir = join(deps.cwd, 'terraform');
    if (wanted.has('terraform')) {
      if (existsSync(tfDir)) {
        // The profile's own environment root (terraform/envs/<profile>) and shared roots (bootstrap), not other environments.
        const envs = join(tfDir, 'envs');
        const own = join(envs, facts.name);
        const roots = existsSync(own)
          ? (dir: string) => dir === own || !dir.startsWith(envs + sep)
          : undefined;
        const model = await step(events, 'check-tf', 'parse terraform/', () =>
          loadTerraform(tfDir, deps.cwd, { cacheDir: defaultHclCache(deps.env), ...(roots && { roots }) }),
        );
        if (model.files.length) models.push(model);
        else skip('terraform', 'terraform/ holds no .tf files', 'Pass a Terraform folder as a path.');
      } else skip('terraform', 'no terraform/ folder in the project', 'Pass a Terraform folder as a path.');
    }
  } else if (wanted.has('manifests') && objects.length) {
    inputs.manifests = { objects, target: targets.join(', '), digestsPinnedAtPromotion: false };
  }
  const model = mergeModels(models);
  if (model)
    inputs.terraform = {
      model,
      target:
        model.root === join(deps.cwd, 'terraform')
          ? 'terraform/'
          : models.map((m) => relative(deps.cwd, m.root) || '.').join(', '),
    };

  const dbUrl = options.db ?? deps.env.OMRS_DB_URL;
  if (wanted.has('database')) {
    if (dbUrl) {
      // A URL that names only the server: every tenant database of the profile.
      const { openDatabases } = await import('./sources/databases.js');
      const opened = await openDatabases(dbUrl, facts?.opened.profile.tenants);
      try {
        inputs.databases = opened.databases;
        for (const reason of opened.skipped) inputs.skipped!.push({ scope: 'database', reason });
        return await finish(inputs, options, facts, level, wanted, explicit, skip, deps);
      } finally {
        await opened.close();
      }
    }
    skip(
      'database',
      'no --db URL (or OMRS_DB_URL)',
      'Pass --db mysql://user:password@host:3306/openmrs (one database), or the server alone (every tenant database of the profile).',
    );
  }
  return finish(inputs, options, facts, level, wanted, explicit, skip, deps);
}

async function finish(
  inputs: Inputs,
  options: CheckOptions,
  facts: ProfileFacts | undefined,
  level: Level,
  wanted: Set<Scope>,
  explicit: Set<Scope>,
  skip: (s: Scope, r: string, h: string) => void,
  deps: CheckDeps,
): Promise<CheckReport> {
  const context = options.context ?? facts?.context;
  if (wanted.has('cluster')) {
    if (!explicit.has('cluster') && !options.context)
      inputs.skipped!.push({ scope: 'cluster', reason: 'not requested (--scope cluster or --context)' });
    else if (!context)
      skip(
        'cluster',
        'no kube context (cluster.context in the profile, or --context)',
        'Pass --context <name>.',
      );
    else {
      const kubeconfig = options.kubeconfig ?? deps.env.KUBECONFIG?.split(':')[0];
      const { readCluster } = await import('./sources/cluster.js');
      const snapshot = await step(options.events, 'check-cluster', `read cluster ${context}`, () =>
        readCluster({
          context,
          namespace: facts?.namespace ?? 'default',
          tenants: facts?.tenants ?? [],
          ...(kubeconfig && { kubeconfig }),
          ...(options.now && { now: options.now }),
        }),
      );
      inputs.cluster = { context: snapshot, target: `context ${context}` };
    }
  }
  if (!inputs.manifests && !inputs.terraform && !inputs.databases && !inputs.cluster)
    throw new OmrsError({
      code: 'CHECK_NOTHING',
      message: 'nothing to check',
      exitCode: ExitCode.usage,
      hint: 'Pass manifest files, a chart or a Terraform folder, or a --scope that applies to the profile.',
    });
  return step(options.events, 'check-rules', 'run the rules', () =>
    evaluate(inputs, { level, waivers: facts?.waivers ?? [], now: options.now ?? new Date() }),
  );
}

export type { CheckReport, Level, Scope } from './types.js';
