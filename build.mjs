// Bundles the CLI with esbuild: one small entry, lazily loaded chunks per command, so that
// `omrs --version` and `omrs profile validate` start fast. Packages that load native code,
// WebAssembly or many optional files stay external and are imported lazily at run time.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Small pure-JS packages on the startup path are bundled; every other dependency stays external.
const BUNDLED = new Set(['commander', 'zod', 'yaml', 'picocolors', 'fastest-levenshtein', 'js-yaml']);
const { dependencies = {}, devDependencies = {} } = JSON.parse(readFileSync('package.json', 'utf8'));
const external = Object.keys({ ...dependencies, ...devDependencies })
  .filter((name) => !BUNDLED.has(name))
  .flatMap((name) => [name, `${name}/*`]);

// zod's classic API re-exports all of its ~60 message locales (`z.locales`), ~400 kB that every
// profile command would parse at start-up; omrs only uses the default English messages, which zod
// imports on its own, so the namespace is replaced by one holding English only.
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](classic|core)$/.test(args.resolveDir)
        ? { path: 'zod-locales', namespace: 'zod-english-only', pluginData: args.resolveDir }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: "export { default as en } from '../locales/en.js';",
      resolveDir: args.pluginData,
      loader: 'js',
    }));
  },
};

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
  plugins: [zodEnglishOnly],
  // Bundled CommonJS dependencies (commander) call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __omrsCreateRequire } from 'node:module'; const require = __omrsCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

// The HCL parses of the terraform/ that ships with omrs, by content hash, so that `omrs check` on it
// never loads the WebAssembly parser (src/checks/sources/terraform.ts reads the table; its PARSER_ID
// must equal `parser` here, or the table is ignored). A changed file simply misses the table.
const { parse: parseHcl } = await import('@cdktf/hcl2json');
const { version: hclVersion } = JSON.parse(readFileSync('node_modules/@cdktf/hcl2json/package.json', 'utf8'));
const parser = `@cdktf/hcl2json@${hclVersion.split('.').slice(0, 2).join('.')}`;
const parses = {};
const terraformFiles = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? e.name.startsWith('.')
        ? []
        : terraformFiles(join(dir, e.name))
      : /\.tf$|(^terraform|\.auto)\.tfvars$/.test(e.name)
        ? [join(dir, e.name)]
        : [],
  );
for (const file of terraformFiles('terraform')) {
  const text = readFileSync(file, 'utf8');
  parses[createHash('sha256').update(parser).update(text).digest('hex')] = await parseHcl(file, text);
}
writeFileSync(join(outdir, 'hcl-parsed.json'), JSON.stringify({ parser, parses }));
