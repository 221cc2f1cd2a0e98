// A 16-hex-digit hash in a label or annotation is read by YAML as a number when it happens to be all
// digits or digits around one "e" ("12e45…"), and the API server then refuses the object ("cannot
// unmarshal number into … annotations of type string"). It happened once in CI with an image tag
// that changed an init Job's spec hash. Every hash the chart writes as a value goes through quote.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const TEMPLATES = join(import.meta.dirname, '../../../charts/openmrs/templates');

describe('chart hashes written as values', () => {
  it('are quoted in every template', () => {
    const unquoted: string[] = [];
    for (const file of readdirSync(TEMPLATES).filter((f) => f.endsWith('.yaml'))) {
      readFileSync(join(TEMPLATES, file), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const value = /^\s*[\w./-]+:\s*\{\{(.*)\}\}\s*$/.exec(line)?.[1];
          if (value && /sha256sum|\$hash/.test(value) && !/\|\s*quote\s*$/.test(value.trim()))
            unquoted.push(`${file}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(unquoted).toEqual([]);
  });
});
