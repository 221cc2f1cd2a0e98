// Bundles the CLI with esbuild: one small entry, lazily loaded chunks per command, so that
// `omrs --version` and `omrs profile validate` start fast. Packages that load native code,
// WebAssembly or many optional files stay external and are imported lazily at run time.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: ['src/cli/main.ts'],
  outdir: 'dist',
  outbase: 'src',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  legalComments: 'none',
  external: ['ink', 'ink-*', 'react', 'react/*', '@kubernetes/client-node', 'dockerode', 'cosmiconfig', 'zx', 'mysql2', 'mysql2/*', '@aws-sdk/*', '@faker-js/*'],
  // Bundled CommonJS dependencies (commander) call require() for Node built-ins.
  banner: { js: "import { createRequire as __omrsCreateRequire } from 'node:module'; const require = __omrsCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
