// The layer table is enforced by lint: an import from a lower layer to a higher one (a value, a
// type or a lazy import()) fails `npm run lint`, and docs/architecture.md states the same table.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';
import { LAYERS } from '../../../eslint.layers.js';
import { importGraph } from './import-graph.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const RULE = 'import-x/no-restricted-paths';
const FLOOR = ['errors', 'error-codes', 'mask', 'platform', 'duration', 'output-path', 'package-info'];

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

/** The messages of the layer rule for `code` as if it were the file `filePath` (relative to root). */
async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${filePath}` });
  return result!.messages.filter((m) => m.ruleId === RULE).map((m) => m.message);
}

describe('the layer rule (eslint import-x/no-restricted-paths)', () => {
  it('fails an upward import: a value, a type and a lazy import()', async () => {
    const value = await layerErrors(
      'src/render/probe.ts',
      "export { selectRuntime } from '../runtime/select.js';\n",
    );
    const type = await layerErrors(
      'src/render/probe.ts',
      "import type { Runtime } from '../runtime/runtime.js';\nexport type Probe = Runtime;\n",
    );
    const lazy = await layerErrors(
      'src/checks/probe.ts',
      "export const probe = () => import('../ui/output.js');\n",
    );
    expect(value).toEqual([expect.stringContaining('render may not import runtime')]);
    expect(type).toEqual([expect.stringContaining('render may not import runtime')]);
    expect(lazy).toEqual([expect.stringContaining('checks may not import ui')]);
  });

  it('fails the platform importing anything of ours but errors and mask', async () => {
    const errors = await layerErrors(
      'src/platform/probe.ts',
      "export { envNameOf } from '../render/env-name.js';\n",
    );
    expect(errors).toEqual([expect.stringContaining('platform may not import render')]);
    expect(await layerErrors('src/platform/probe.ts', "export { OmrsError } from '../errors.js';\n")).toEqual(
      [],
    );
  });

  it('fails one runtime importing the other', async () => {
    const errors = await layerErrors(
      'src/runtime/kube/probe.ts',
      "export { LABEL } from '../compose/names.js';\n",
    );
    expect(errors).toEqual([expect.stringContaining('runtime/kube may not import runtime/compose')]);
  });

  it('keeps the output core apart from the front ends that use it', async () => {
    const core = await layerErrors(
      'src/ui/components/probe.ts',
      "export { openProfile } from '../../profile/index.js';\n",
    );
    expect(core).toEqual([expect.stringContaining('ui may not import profile')]);
    expect(
      await layerErrors('src/ui/shell/probe.ts', "export { openProfile } from '../../profile/index.js';\n"),
    ).toEqual([]);
  });

  it('passes downward imports and the floor', async () => {
    const code = [
      "export { openProfile } from '../profile/index.js';",
      "export { renderProfile } from '../render/index.js';",
      "export { run } from '../platform/exec.js';",
      "export type { SeedTarget } from '../platform/database.js';",
    ].join('\n');
    expect(await layerErrors('src/runtime/probe.ts', `${code}\n`)).toEqual([]);
    expect(
      await layerErrors('src/cli/probe.ts', "export { selectRuntime } from '../runtime/select.js';\n"),
    ).toEqual([]);
  });
});

/** The "may import" column of the docs' layer table, by the folder or file of its first column. */
function documentedTable(): Map<string, string[] | 'everything'> {
  const doc = readFileSync(`${root}docs/architecture.md`, 'utf8');
  const section = doc.slice(doc.indexOf('## Layers'), doc.indexOf('\n## ', doc.indexOf('## Layers') + 1));
  const rows = new Map<string, string[] | 'everything'>();
  for (const line of section.split('\n').filter((l) => /^\| `/.test(l))) {
    const cells = line.split('|').map((c) => c.trim());
    const allowed = cells.at(-2)!;
    const imports =
      allowed === 'everything'
        ? ('everything' as const)
        : allowed === 'nothing of ours'
          ? []
          : allowed.split(',').flatMap((name) => (name.trim() === 'the floor' ? FLOOR : [name.trim()]));
    for (const [, name] of cells[1]!.matchAll(/`([^`]+)`/g))
      rows.set(name!.replace(/(\.ts|\/)$/, ''), imports);
  }
  return rows;
}

describe('docs/architecture.md', () => {
  it('states the layer table that lint enforces', () => {
    const documented = documentedTable();
    const enforced = new Map(
      LAYERS.map((layer) => [
        layer.name,
        layer.imports === 'everything' ? 'everything' : [...layer.imports].sort(),
      ]),
    );
    const stated = new Map(
      [...documented].map(([name, imports]) => [
        name,
        imports === 'everything' ? imports : [...imports].sort(),
      ]),
    );
    stated.delete('ui/dashboard'); // one row with ui/shell
    expect(stated).toEqual(enforced);
  });
});

describe('the import graph of src/', () => {
  it('has every source file in a layer of the table', () => {
    const prefixes = LAYERS.flatMap((layer) =>
      layer.paths.map((p) => p.replace(/[*!(].*$/, '').replace(/\/$/, '')),
    );
    const outside = [...importGraph(root).keys()].filter(
      (file) => !prefixes.some((p) => file === p || file.startsWith(`${p}/`)),
    );
    expect(outside).toEqual([]);
  });
});
