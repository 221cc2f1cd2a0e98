// Bundles the CLI with esbuild: one small entry, lazily loaded chunks per command, so that
// `omrs --version` and `omrs profile validate` start fast. Packages that load native code,
// WebAssembly or many optional files stay external and are imported lazily at run time.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

// Small pure-JS packages on the startup path are bundled; every other dependency stays external.
const BUNDLED = new Set(['commander', 'zod', 'yaml', 'picocolors', 'fastest-levenshtein', 'js-yaml']);
const { dependencies = {}, devDependencies = {} } = JSON.parse(readFileSync('package.json', 'utf8'));
const external = Object.keys({ ...dependencies, ...devDependencies })
  .filter((name) => !BUNDLED.has(name))
  .flatMap((name) => [name, `${name}/*`]);

// OMRS_BUILD_OUTDIR: a private build for end-to-end tests, which a concurrent `npm run build` cannot pull away.
const outdir = process.env.OMRS_BUILD_OUTDIR ?? 'dist';
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: ['src/cli/main.ts'],
  outdir,
  outbase: 'src',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  legalComments: 'none',
  external,
  // Bundled CommonJS dependencies (commander) call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __omrsCreateRequire } from 'node:module'; const require = __omrsCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
