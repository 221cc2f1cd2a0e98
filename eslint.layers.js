// The layer table of docs/architecture.md as data: each layer of src/, where it lives, and the
// layers it may import. eslint.config.js turns it into import-x/no-restricted-paths zones (which
// see `import type` and `import()` as well), and test/unit/architecture/layers.test.ts checks that
// the table in the docs says the same.

/** Leaf modules every layer may import. */
const FLOOR = ['errors', 'error-codes', 'mask', 'platform', 'duration', 'output-path', 'package-info'];

/** Lowest first. `paths` are relative to the repository; `imports` never names a higher layer. */
export const LAYERS = [
  { name: 'error-codes', paths: ['src/error-codes.ts'], imports: [] },
  { name: 'errors', paths: ['src/errors.ts'], imports: ['error-codes'] },
  { name: 'mask', paths: ['src/mask.ts'], imports: [] },
  { name: 'package-info', paths: ['src/package-info.ts'], imports: [] },
  { name: 'platform', paths: ['src/platform'], imports: ['errors', 'mask'] },
  { name: 'duration', paths: ['src/duration.ts'], imports: ['errors'] },
  { name: 'output-path', paths: ['src/output-path.ts'], imports: ['errors'] },
  { name: 'events', paths: ['src/events'], imports: FLOOR },
  { name: 'profile', paths: ['src/profile'], imports: FLOOR },
  { name: 'render', paths: ['src/render'], imports: [...FLOOR, 'events', 'profile'] },
  { name: 'seed', paths: ['src/seed'], imports: [...FLOOR, 'events', 'profile'] },
  { name: 'checks', paths: ['src/checks'], imports: [...FLOOR, 'events', 'profile', 'render'] },
  { name: 'runtime', paths: ['src/runtime'], imports: [...FLOOR, 'events', 'profile', 'render', 'seed'] },
  {
    name: 'envs',
    paths: ['src/envs'],
    imports: [...FLOOR, 'events', 'profile', 'render', 'seed', 'runtime'],
  },
  {
    name: 'promote',
    paths: ['src/promote'],
    imports: [...FLOOR, 'events', 'profile', 'render', 'seed', 'checks', 'runtime'],
  },
  { name: 'ui', paths: ['src/ui/!(shell|dashboard)/**', 'src/ui/*'], imports: [...FLOOR, 'events'] },
  // The shell and the dashboard are front ends like cli/: they call the use cases.
  {
    name: 'ui/shell',
    paths: ['src/ui/shell', 'src/ui/dashboard'],
    imports: [...FLOOR, 'events', 'ui', 'profile', 'render', 'seed', 'checks', 'runtime', 'envs', 'promote'],
  },
  { name: 'cli', paths: ['src/cli'], imports: 'everything' },
];

/** Folders inside runtime/ that never import each other: a command goes down one of them. */
const SIDES = [
  ['src/runtime/compose', 'src/runtime/kube'],
  ['src/runtime/kube', 'src/runtime/compose'],
];

const glob = (p) => /[*!(]/.test(p);

/** import-x/no-restricted-paths zones: one per layer and each layer it may not import. */
export function layerZones() {
  const zones = [];
  for (const layer of LAYERS) {
    if (layer.imports === 'everything') continue;
    for (const other of LAYERS) {
      if (other === layer || layer.imports.includes(other.name)) continue;
      // A folder of a layer is also matched by its own glob target; its own files are never `from`.
      const from = other.paths.map((p) => (glob(p) || p.endsWith('.ts') ? p : `${p}/**`));
      zones.push({
        target: layer.paths.map((p) => `./${p}`),
        from: from.map((p) => `./${p}`),
        message: `${layer.name} may not import ${other.name} (the layer table in docs/architecture.md).`,
      });
    }
  }
  for (const [target, from] of SIDES)
    zones.push({
      target: `./${target}`,
      from: `./${from}/**`,
      message: `${target.slice(4)} may not import ${from.slice(4)}: the runtimes share code through runtime/ itself.`,
    });
  return zones;
}
