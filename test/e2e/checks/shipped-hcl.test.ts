// The table of HCL parses that `npm run build` ships for terraform/ (dist/hcl-parsed.json, read by
// src/checks/sources/terraform.ts): one entry per shipped file, each exactly what the WebAssembly
// parser gives, so a first `omrs check` answers as it would after parsing, without loading it.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { describe, expect, it } from 'vitest';
import { tfFiles } from '../../../src/checks/sources/terraform.js';

const root = join(import.meta.dirname, '../../..');

describe('the HCL parses shipped with the build', () => {
  it('hold every file of terraform/, each equal to the parser’s own output', async () => {
    const table = JSON.parse(readFileSync(join(root, 'dist/hcl-parsed.json'), 'utf8')) as {
      parser: string;
      parses: Record<string, unknown>;
    };
    // The runtime's PARSER_ID: a table made by another parser version is ignored there.
    expect(table.parser).toBe('@cdktf/hcl2json@0.21');
    const files = await tfFiles(join(root, 'terraform'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const key = createHash('sha256').update(table.parser).update(text).digest('hex');
      const name = relative(root, file);
      expect(table.parses[key], `${name} is not in dist/hcl-parsed.json: run npm run build`).toBeDefined();
      expect(table.parses[key], name).toEqual(await parse(file, text));
    }
  });
});
