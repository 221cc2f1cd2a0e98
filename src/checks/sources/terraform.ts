// Terraform folders, parsed with HashiCorp's HCL parser (@cdktf/hcl2json, WebAssembly) into a
// small model: resources per module instance, with simple references resolved.
//
// Resolved: an attribute whose whole value is `var.x` (default in the module's variables, a
// terraform.tfvars / *.auto.tfvars value in a root folder, or an argument of a `module` block
// with a local source in the scanned tree) or `local.x` (itself a literal or such a reference).
// Not resolved (left as "${…}" and reported as unknown by the rules): functions, conditionals,
// interpolation inside longer strings, data sources, remote modules, -var flags, workspaces.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { ExitCode, OmrsError } from '../../errors.js';
import { packageRoot } from '../../package-info.js';
import { isRecord, type Json } from '../../render/json.js';

export interface TfResource {
  type: string;
  name: string;
  /** Attributes with references resolved where possible; nested blocks are arrays of objects. */
  body: Json;
  /** "aws_db_instance.main", prefixed with "module.rds." inside a called module. */
  address: string;
  file: string;
  line?: number;
}

export interface TerraformModel {
  root: string;
  files: string[];
  resources: TfResource[];
  /** `terraform { backend "s3" { … } }` blocks. */
  backends: { type: string; body: Json; file: string }[];
}

interface DirModel {
  dir: string;
  files: string[];
  resources: { type: string; name: string; body: Json; file: string; line?: number }[];
  variables: Record<string, unknown>;
  locals: Record<string, unknown>;
  modules: { name: string; source: string; args: Json }[];
  backends: { type: string; body: Json; file: string }[];
  tfvars: Record<string, unknown>;
}

type Parse = (file: string, text: string) => Promise<Json>;

let parser: Promise<Parse> | undefined;
const wasmParse: Parse = async (file, text) => {
  parser ??= import('@cdktf/hcl2json').then((m) => m.parse as Parse);
  return (await parser)(file, text);
};

/**
 * The WebAssembly parser costs about 1 s to load and ~40 ms per KiB of HCL; its output depends only
 * on the text, so it is looked up by content hash: first in the table `npm run build` makes of the
 * terraform/ that ships with omrs (dist/hcl-parsed.json: a first run on it parses nothing), then in
 * the user's cache (~/.cache/omrs/hcl, or $OMRS_CACHE_DIR/hcl). A broken cache entry is parsed again.
 */
function cachedParser(cacheDir: string | undefined): Parse {
  return async (file, text) => {
    const hash = createHash('sha256').update(PARSER_ID).update(text).digest('hex');
    const shipped = (await shippedParses())[hash];
    if (shipped) return shipped;
    if (!cacheDir) return wasmParse(file, text);
    const key = join(cacheDir, `${hash}.json`);
    try {
      return JSON.parse(await readFile(key, 'utf8')) as Json;
    } catch {
      const doc = await wasmParse(file, text);
      await mkdir(cacheDir, { recursive: true })
        .then(() => writeFile(key, JSON.stringify(doc)))
        .catch(() => undefined);
      return doc;
    }
  };
}
/** Names the parser's output format; build.mjs writes the table under the same name, or none matches. */
const PARSER_ID = '@cdktf/hcl2json@0.21';

let shippedTable: Promise<Record<string, Json>> | undefined;
/** The parses build.mjs wrote for the shipped terraform/ (by content hash); empty when absent or made by another parser. */
const shippedParses = (): Promise<Record<string, Json>> =>
  (shippedTable ??= readFile(join(packageRoot(), 'dist', 'hcl-parsed.json'), 'utf8')
    .then((text) => JSON.parse(text) as { parser?: string; parses?: Record<string, Json> })
    .then((table) => (table.parser === PARSER_ID && isRecord(table.parses) ? table.parses : {}))
    .catch(() => ({})));
export const defaultHclCache = (env: Record<string, string | undefined>): string | undefined =>
  env.OMRS_CACHE_DIR
    ? join(env.OMRS_CACHE_DIR, 'hcl')
    : env.HOME
      ? join(env.XDG_CACHE_HOME ?? join(env.HOME, '.cache'), 'omrs', 'hcl')
      : undefined;

/** The files terraform reads in a folder tree (build.mjs lists the shipped ones the same way). */
export async function tfFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) {
        if (!e.name.startsWith('.')) await walk(join(d, e.name));
      } else if (/\.tf$|(^terraform|\.auto)\.tfvars$/.test(e.name)) out.push(join(d, e.name));
    }
  };
  await walk(dir);
  return out.sort();
}

const first = (v: unknown): Json => (Array.isArray(v) && isRecord(v[0]) ? v[0] : isRecord(v) ? v : {});

function lineOf(text: string, type: string, name: string): number | undefined {
  const idx = text.search(new RegExp(`resource\\s+"${type}"\\s+"${name}"`));
  return idx < 0 ? undefined : text.slice(0, idx).split('\n').length;
}

async function parseDir(dir: string, files: string[], parse: Parse, cwd: string): Promise<DirModel> {
  const model: DirModel = {
    dir,
    files: [],
    resources: [],
    variables: {},
    locals: {},
    modules: [],
    backends: [],
    tfvars: {},
  };
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    let doc: Json;
    try {
      doc = await parse(file, text);
    } catch (error) {
      throw new OmrsError({
        code: 'CHECK_TERRAFORM_PARSE',
        message: `cannot parse ${relative(cwd, file)}: ${error instanceof Error ? error.message : String(error)}`,
        exitCode: ExitCode.usage,
        hint: 'Run `terraform fmt` / `terraform validate` on the folder.',
      });
    }
    const rel = relative(cwd, file);
    model.files.push(rel);
    if (file.endsWith('.tfvars')) {
      Object.assign(model.tfvars, doc);
      continue;
    }
    for (const [type, byName] of Object.entries(isRecord(doc.resource) ? doc.resource : {}))
      for (const [name, blocks] of Object.entries(isRecord(byName) ? byName : {}))
        model.resources.push({
          type,
          name,
          body: first(blocks),
          file: rel,
          ...(lineOf(text, type, name) !== undefined && { line: lineOf(text, type, name)! }),
        });
    for (const [name, blocks] of Object.entries(isRecord(doc.variable) ? doc.variable : {})) {
      const v = first(blocks);
      if ('default' in v && v.default !== null) model.variables[name] = v.default;
      else {
        const bound = validatedValue(name, Array.isArray(v.validation) ? v.validation : []);
        if (bound !== undefined) model.variables[name] = bound;
      }
    }
    for (const block of Array.isArray(doc.locals) ? doc.locals : [])
      if (isRecord(block)) Object.assign(model.locals, block);
    for (const [name, blocks] of Object.entries(isRecord(doc.module) ? doc.module : {})) {
      const args = first(blocks);
      model.modules.push({ name, source: typeof args.source === 'string' ? args.source : '', args });
    }
    for (const t of Array.isArray(doc.terraform) ? doc.terraform : [])
      for (const [type, blocks] of Object.entries(
        isRecord(first(t).backend) ? (first(t).backend as Json) : {},
      ))
        model.backends.push({ type, body: first(blocks), file: rel });
  }
  return model;
}

/**
 * A variable without a default whose validation demands a value: `condition = var.x` (must be
 * true) or `var.x >= N` (at least N, taken as N). Terraform refuses any other value, so the rules
 * may rely on it.
 */
function validatedValue(name: string, validations: unknown[]): unknown {
  for (const v of validations) {
    const condition =
      isRecord(v) && typeof v.condition === 'string' ? v.condition.replace(/^\$\{|\}$/g, '').trim() : '';
    if (condition === `var.${name}`) return true;
    const m = new RegExp(`^var\\.${name}\\s*>=?\\s*(\\d+)(\\s*&&.*)?$`).exec(condition);
    if (m) return Number(m[1]);
  }
  return undefined;
}

const REF = /^\$\{(var|local)\.([A-Za-z0-9_-]+)\}$/;

/** Replaces whole-value `${var.x}` / `${local.x}` strings, deeply. */
function resolveValue(
  value: unknown,
  vars: Record<string, unknown>,
  locals: Record<string, unknown>,
  depth = 0,
): unknown {
  if (typeof value === 'string') {
    const m = REF.exec(value);
    if (!m || depth > 8) return value;
    const table = m[1] === 'var' ? vars : locals;
    return m[2]! in table ? resolveValue(table[m[2]!], vars, locals, depth + 1) : value;
  }
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, vars, locals, depth));
  if (isRecord(value))
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveValue(v, vars, locals, depth)]),
    );
  return value;
}

export interface LoadOptions {
  /** Only these root folders (absolute), e.g. terraform/envs/prod for the prod profile; other roots are skipped. */
  roots?: (dir: string) => boolean;
  /** Folder for parsed-HCL cache entries; none: no cache. */
  cacheDir?: string;
}

export async function loadTerraform(
  root: string,
  cwd: string,
  options: LoadOptions = {},
): Promise<TerraformModel> {
  const files = await tfFiles(root);
  const parse = cachedParser(options.cacheDir);
  const byDir = new Map<string, string[]>();
  for (const f of files) byDir.set(dirname(f), [...(byDir.get(dirname(f)) ?? []), f]);
  const dirs = new Map<string, DirModel>();
  for (const [dir, list] of byDir) dirs.set(dir, await parseDir(dir, list, parse, cwd));

  const called = new Set<string>();
  for (const d of dirs.values())
    for (const m of d.modules) if (/^\.\.?\//.test(m.source)) called.add(resolve(d.dir, m.source));

  const model: TerraformModel = {
    root,
    files: [...dirs.values()].flatMap((d) => d.files),
    resources: [],
    backends: [],
  };
  const instantiate = (d: DirModel, vars: Record<string, unknown>, prefix: string, depth: number): void => {
    if (depth > 10) return;
    const locals = d.locals;
    for (const r of d.resources)
      model.resources.push({
        type: r.type,
        name: r.name,
        body: resolveValue(r.body, vars, locals) as Json,
        address: `${prefix}${r.type}.${r.name}`,
        file: r.file,
        ...(r.line !== undefined && { line: r.line }),
      });
    model.backends.push(...d.backends);
    for (const m of d.modules) {
      const target = dirs.get(resolve(d.dir, m.source));
      if (!target || !/^\.\.?\//.test(m.source)) continue;
      const args = Object.fromEntries(
        Object.entries(m.args)
          .filter(([k]) => !['source', 'version', 'providers', 'depends_on', 'count', 'for_each'].includes(k))
          .map(([k, v]) => [k, resolveValue(v, vars, locals)]),
      );
      instantiate(target, { ...target.variables, ...args }, `${prefix}module.${m.name}.`, depth + 1);
    }
  };
  const roots = [...dirs.values()].filter((d) => !called.has(d.dir) && (options.roots?.(d.dir) ?? true));
  for (const d of roots)
    instantiate(
      d,
      { ...d.variables, ...d.tfvars },
      roots.length > 1 ? `${relative(root, d.dir) || '.'}: ` : '',
      0,
    );
  return model;
}

/** An attribute's value as a boolean, or 'unknown' when it is an unresolved expression. */
export function tfBool(v: unknown): boolean | 'unknown' | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return 'unknown';
}

export function tfNumber(v: unknown): number | 'unknown' | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return 'unknown';
}
