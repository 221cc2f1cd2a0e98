// No import circle in src/, type imports included: import-x/no-cycle skips `import type`, so a
// circle made of types alone (the output, its printers and the progress view once had one) is
// caught here.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importCycles, importGraph } from './import-graph.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('the import graph of src/', () => {
  it('has no circle, counting import type and import()', () => {
    const graph = importGraph(root);
    expect(graph.size).toBeGreaterThan(100);
    expect(importCycles(graph)).toEqual([]);
  });

  it('finds a circle made of type imports alone (the graph plays the part of src/)', () => {
    const graph = new Map([
      ['src/ui/output.ts', new Set(['src/ui/printers/plain.ts'])],
      ['src/ui/printers/plain.ts', new Set(['src/ui/output.ts', 'src/ui/format.ts'])],
      ['src/ui/format.ts', new Set<string>()],
    ]);
    expect(importCycles(graph)).toEqual([['src/ui/output.ts', 'src/ui/printers/plain.ts']]);
  });
});
