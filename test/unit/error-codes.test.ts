// The error code catalogue (src/error-codes.ts) is complete and true: every OmrsError thrown in src/
// names a catalogued code with an exit code the catalogue gives it, every catalogued code is used,
// and docs/errors.md states the same table. (tsc already refuses a code that is not catalogued.)
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isErrorCode } from '../../src/error-codes.js';
import { sourceFiles } from './architecture/import-graph.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const EXIT_NAMES: Record<string, string> = {
  'ExitCode.failed': 'failed',
  'ExitCode.usage': 'usage',
  'ExitCode.gate': 'gate',
  'ExitCode.prerequisite': 'prerequisite',
  'ExitCode.interrupted': 'interrupted',
};

interface Throw {
  where: string;
  codes: string[];
  /** The exit codes its exitCode expression names; ['failed'] when it sets none (the default). */
  exits: string[];
  /** Whether the exit is known for the code (a literal code, not chosen at run time). */
  exact: boolean;
}

/** Every `new OmrsError({ code, exitCode })` of src/ with the string literals its code can be. */
function omrsErrorThrows(): Throw[] {
  const found: Throw[] = [];
  for (const file of sourceFiles(join(root, 'src'))) {
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (
        ts.isNewExpression(node) &&
        node.expression.getText(sf) === 'OmrsError' &&
        node.arguments?.[0] &&
        ts.isObjectLiteralExpression(node.arguments[0])
      ) {
        const props = new Map(
          node.arguments[0].properties
            .filter(ts.isPropertyAssignment)
            .map((p) => [p.name.getText(sf), p.initializer] as const),
        );
        const codes: string[] = [];
        const literals = (e: ts.Node): void => {
          if (ts.isStringLiteral(e)) codes.push(e.text);
          else ts.forEachChild(e, literals);
        };
        const code = props.get('code');
        if (code) literals(code);
        const exit = props.get('exitCode')?.getText(sf);
        const exits = exit
          ? Object.keys(EXIT_NAMES)
              .filter((k) => exit.includes(k))
              .map((k) => EXIT_NAMES[k]!)
          : ['failed'];
        const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
        found.push({
          where: `${relative(root, file)}:${line + 1}`,
          codes,
          exits,
          exact: code !== undefined && ts.isStringLiteral(code),
        });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return found;
}

describe('the error code catalogue', () => {
  const throws = omrsErrorThrows();

  it('names every code an OmrsError of src/ carries', () => {
    expect(throws.length).toBeGreaterThan(100);
    const unknown = throws.flatMap((t) =>
      t.codes.filter((c) => /^[A-Z][A-Z0-9_]+$/.test(c) && !isErrorCode(c)).map((c) => `${t.where} ${c}`),
    );
    expect(unknown).toEqual([]);
  });

  it('gives each code the exit codes its throws use', () => {
    const wrong = throws
      .filter((t) => t.exact)
      .flatMap((t) => {
        const info = ERROR_CODES[t.codes[0] as keyof typeof ERROR_CODES];
        return t.exits
          .filter((x) => !(info.exit as readonly string[]).includes(x))
          .map((x) => `${t.where} ${t.codes[0]} exits ${x}`);
      });
    expect(wrong).toEqual([]);
  });

  it('holds no code that nothing uses', () => {
    const text = sourceFiles(join(root, 'src'))
      .filter((f) => !f.endsWith('error-codes.ts'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const unused = Object.keys(ERROR_CODES).filter((code) => !text.includes(`'${code}'`));
    expect(unused).toEqual([]);
  });

  it('is the table of docs/errors.md', () => {
    const doc = readFileSync(join(root, 'docs/errors.md'), 'utf8');
    const rows = doc
      .split('\n')
      .filter((l) => /^\| `[A-Z]/.test(l))
      .map((l) =>
        l
          .split('|')
          .slice(1, -1)
          .map((c) => c.trim()),
      );
    const stated = Object.fromEntries(
      rows.map(([code, exit, meaning]) => [code!.replaceAll('`', ''), `${exit} ${meaning}`]),
    );
    const exitNumber: Record<string, number> = {
      failed: 1,
      usage: 2,
      gate: 3,
      prerequisite: 4,
      interrupted: 130,
    };
    const catalogued = Object.fromEntries(
      Object.entries(ERROR_CODES).map(([code, info]) => [
        code,
        `${info.exit.map((x) => exitNumber[x]).join(', ')} ${info.meaning.replaceAll('|', '\\|')}`,
      ]),
    );
    expect(stated).toEqual(catalogued);
  });
});
