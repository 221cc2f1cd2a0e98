// `omrs compose export`: the same translation, written as a compose file for people who want plain
// `docker compose` (export-document.ts builds it). What it writes can be committed: secrets are
// variables of the `.env` beside the compose file, which only the export itself writes (0600).
// `--check` compares a fresh export with the files on disk (CI keeps compose/ current with it).
import { chmod, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { stringify } from 'yaml';
import { OmrsError } from '../../errors.js';
import type { EventSink } from '../../events/types.js';
import { prepareOutputPath } from '../../output-path.js';
import type { ProfileDeps } from '../../profile/index.js';
import { unifiedDiff } from './export-diff.js';
import { exportDocument, PORT_VARIABLES, type ExportDocument } from './export-document.js';
import { envNameOf } from '../../render/env-name.js';
import { preparePlan, type Prepared } from './up.js';

export interface ExportRequest {
  profile?: string;
  env?: string;
  output?: string;
}

export interface ExportResult {
  file: string;
  configDir: string;
  services: number;
  files: number;
  /** The `.env` beside the compose file: created, completed with missing variables, or kept as it was. */
  envFile: { path: string; state: 'created' | 'completed' | 'kept'; variables: string[] };
}

export interface FileDifference {
  file: string;
  kind: 'missing' | 'changed' | 'extra';
  /** For a changed file: its differences as unified diff hunks (committed → export). */
  diff?: string;
}

export interface CheckResult {
  file: string;
  profile: string;
  upToDate: boolean;
  differences: FileDifference[];
}

type ExportDeps = ProfileDeps & { signal?: AbortSignal; events?: EventSink };

export async function exportCompose(
  request: ExportRequest,
  deps: ProfileDeps & { signal?: AbortSignal; events?: EventSink },
): Promise<ExportResult> {
  // A named output is checked before the chart is rendered; the default one is under the project folder.
  const chosen =
    request.output === undefined
      ? undefined
      : await prepareOutputPath(request.output, deps.cwd, {
          flag: '-o',
          kind: 'file',
          folderMode: 0o700,
          notStdout: {
            why: 'the export is a compose file plus the config and env files next to it',
            hint: 'Give -o a file path, e.g. -o compose/dev.yaml.',
          },
        });
  const prepared = await preparePlan(request, deps, { shipsLogs: false });
  const file = chosen ?? resolve(deps.cwd, join('compose', `${envNameOf(prepared.profileName)}.yaml`));
  const { document, artifacts } = exportArtifacts(prepared, file);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  for (const [path, a] of artifacts) {
    const absolute = join(dirname(file), path);
    await mkdir(dirname(absolute), { recursive: true });
    await writeFile(absolute, a.content, { mode: a.mode });
    await chmod(absolute, a.mode);
  }
  const extra = (await filesUnder(configDirOf(file)))
    .map((f) => relative(dirname(file), f))
    .filter((f) => !artifacts.has(f));
  if (extra.length > 0)
    deps.events?.emit({
      type: 'warning',
      message: `not part of the export (left as they are): ${extra.join(', ')}`,
      hint: `Remove them if an older export wrote them; \`omrs compose export --check\` lists them too.`,
    });
  const envFile = await writeDotEnv(
    join(dirname(file), '.env'),
    { COMPOSE_PROJECT_NAME: `omrs-${prepared.env}`, ...document.secrets },
    prepared.profileName,
  );
  return {
    file: relative(deps.cwd, file) || file,
    configDir: relative(deps.cwd, configDirOf(file)),
    services: Object.keys(document.compose.services).length,
    files: artifacts.size,
    envFile: { ...envFile, path: relative(deps.cwd, envFile.path) || envFile.path },
  };
}

/** `omrs compose export --check`: the export of the current chart and profile against the files on disk. */
export async function checkComposeExport(request: ExportRequest, deps: ExportDeps): Promise<CheckResult> {
  const prepared = await preparePlan(request, deps, { shipsLogs: false });
  const file = resolve(
    deps.cwd,
    request.output ?? join('compose', `${envNameOf(prepared.profileName)}.yaml`),
  );
  const { artifacts } = exportArtifacts(prepared, file);
  const base = dirname(file);
  const differences: FileDifference[] = [];
  for (const [path, a] of artifacts) {
    const shown = relative(deps.cwd, join(base, path)) || path;
    const current = await readFile(join(base, path)).catch(() => undefined);
    if (current === undefined) differences.push({ file: shown, kind: 'missing' });
    else if (!current.equals(a.content))
      differences.push({
        file: shown,
        kind: 'changed',
        diff: unifiedDiff(current.toString('utf8'), a.content.toString('utf8'), {
          from: `${shown} (on disk)`,
          to: `${shown} (export of profile ${prepared.profileName})`,
        }),
      });
  }
  for (const f of await filesUnder(configDirOf(file)))
    if (!artifacts.has(relative(base, f)))
      differences.push({ file: relative(deps.cwd, f) || f, kind: 'extra' });
  differences.sort((a, b) => a.file.localeCompare(b.file));
  return {
    file: relative(deps.cwd, file) || file,
    profile: prepared.profileName,
    upToDate: differences.length === 0,
    differences,
  };
}

const configDirOf = (file: string): string => join(dirname(file), basename(file).replace(/\.ya?ml$/, ''));

interface Artifact {
  content: Buffer;
  mode: number;
}

/** Everything the export writes except `.env`, by path relative to the compose file's folder. */
function exportArtifacts(
  prepared: Prepared,
  file: string,
): { document: ExportDocument; artifacts: Map<string, Artifact> } {
  const configDir = relative(dirname(file), configDirOf(file));
  const document = exportDocument(prepared.plan, {
    configDir: `./${configDir}`,
    profile: prepared.profileName,
    appDigest: prepared.appDigest,
  });
  const header = [
    `# Generated by \`omrs compose export\` from profile ${prepared.profileName} (app digest ${prepared.appDigest}).`,
    '# The same Kubernetes objects `omrs up` runs, translated for plain docker compose. Regenerate it instead of editing it.',
    `# Secrets are not here: compose reads them from .env beside this file (\`omrs compose export\` writes it, 0600),`,
    `# and the ${document.prepareScript ? 'prepare service writes them as files into volumes' : 'services read them as variables'}. ${PORT_VARIABLES.gateway} sets the gateway port${prepared.plan.services.some((s) => s.publish?.as === 'prometheus') ? `, ${PORT_VARIABLES.prometheus} Prometheus's` : ''}.`,
    '# Health: exec probes are healthchecks; HTTP/TCP probes are not (the images have no curl), so',
    '# `docker compose up` orders the start but does not wait for the backend to be ready: use `omrs up` for that.',
    '',
  ].join('\n');
  const artifacts = new Map<string, Artifact>();
  const text = (content: string, mode = 0o644): Artifact => ({ content: Buffer.from(content, 'utf8'), mode });
  artifacts.set(basename(file), text(header + stringify(document.compose, { lineWidth: 0, version: '1.1' })));
  for (const [service, env] of Object.entries(document.envFiles))
    artifacts.set(join(configDir, `${service}.env`), text(env));
  for (const f of document.files)
    artifacts.set(join(configDir, 'files', f.path), { content: f.content, mode: f.mode & 0o777 });
  if (document.prepareScript) artifacts.set(join(configDir, 'prepare.sh'), text(document.prepareScript));
  return { document, artifacts: new Map([...artifacts].sort(([a], [b]) => a.localeCompare(b))) };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}

/** A value `.env` holds as it is: compose reads `$`, quotes, `#` and spaces specially. */
const DOTENV_PLAIN = /^[A-Za-z0-9_.,:/+=@%^*!?~-]*$/;

/**
 * Writes the project name and the secret variables into `.env` (0600). An existing `.env` is the
 * user's: its values are kept, only missing variables are added.
 */
async function writeDotEnv(
  path: string,
  values: Record<string, string>,
  profile: string,
): Promise<{ path: string; state: 'created' | 'completed' | 'kept'; variables: string[] }> {
  const variables = Object.keys(values);
  const existing = await readFile(path, 'utf8').catch(() => undefined);
  const defined = new Set(
    (existing ?? '')
      .split('\n')
      .map((l) => /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(l)?.[1])
      .filter((n): n is string => Boolean(n)),
  );
  const missing = variables.filter((v) => !defined.has(v));
  if (existing !== undefined && missing.length === 0) {
    if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
    return { path, state: 'kept', variables };
  }
  const lines = missing.map((name) => {
    const value = values[name]!;
    if (DOTENV_PLAIN.test(value)) return `${name}=${value}`;
    if (!/['\n\r]/.test(value)) return `${name}='${value}'`;
    const multiline = /[\n\r]/.test(value);
    throw new OmrsError({
      code: 'COMPOSE_EXPORT_ENV_VALUE',
      message: `The value of ${name} holds a ${multiline ? 'line break' : 'quote'}, which a .env file cannot carry as it is.`,
      // A .env value is one line: only a quote can be written there by hand.
      hint: multiline
        ? `Give the setting ${name} comes from a value on one line, then export again.`
        : `Set ${name} in ${path} yourself, quoted for docker compose (see the README beside the compose file), then export again.`,
    });
  });
  const header =
    existing === undefined
      ? [
          `# Secrets of the compose export of profile ${profile}, written by \`omrs compose export\`. Keep it private (0600); never commit it.`,
        ]
      : [];
  const content =
    (existing === undefined ? '' : existing.endsWith('\n') || existing === '' ? existing : `${existing}\n`) +
    [...header, ...lines].join('\n') +
    '\n';
  await writeFile(path, content, { mode: 0o600 });
  await chmod(path, 0o600);
  return { path, state: existing === undefined ? 'created' : 'completed', variables };
}
