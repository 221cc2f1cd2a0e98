// Where omrs is installed, found by walking up to its package.json: the same answer from
// src/ (tests), dist/ (tsc) or a bundled chunk.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface PackageJson {
  name: string;
  version: string;
}

let cached: { root: string; pkg: PackageJson } | undefined;

function find(): { root: string; pkg: PackageJson } {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
      if (pkg.name === 'omrs') return (cached = { root: dir, pkg });
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('cannot find the omrs package.json above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

export const packageRoot = (): string => find().root;
export const packageVersion = (): string => find().pkg.version;
