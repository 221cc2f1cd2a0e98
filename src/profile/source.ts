// Reads one profile file into a plain value, keeping where every key and value sits in the file.
import { readFileSync, statSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { ExitCode, OmrsError, type Problem, type SourceLocation } from '../errors.js';
import { errorCodeOr } from '../error-codes.js';
import { LOADER_KEYS, TOP_LEVEL_KEYS } from './schema.js';

export const MAX_PROFILE_BYTES = 1024 * 1024;
const PROFILE_EXTENSION = /\.ya?ml$/;
const PROFILE_KEY_LINE = new RegExp(`^(${[...LOADER_KEYS, ...TOP_LEVEL_KEYS].join('|')})\\s*:`, 'm');

export interface Position {
  key?: SourceLocation;
  value: SourceLocation;
}

export interface ProfileSource {
  file: string;
  value: Record<string, unknown>;
  /** Positions by path key (see pathKey), for every key and value in the file. */
  positions: Map<string, Position>;
}

export const pathKey = (path: readonly (string | number)[]): string => JSON.stringify(path);

export function profileError(problem: Problem, hint?: string): OmrsError {
  return new OmrsError({
    code: errorCodeOr(problem.code, 'PROFILE_INVALID'),
    message: problem.message,
    exitCode: ExitCode.usage,
    problems: [problem],
    ...(hint && { hint }),
  });
}

/**
 * Reads a profile file. A file that is not a profile (not named .yaml/.yml, not text, broken YAML
 * without a line that starts with a profile key, not a YAML map) is refused without quoting a line
 * of it: `--profile` and `extends` can name any file, and a password file or /etc/passwd must not
 * end up in an error message.
 */
export function readProfileSource(file: string, referencedFrom?: SourceLocation): ProfileSource {
  if (!PROFILE_EXTENSION.test(file))
    throw profileError(
      {
        code: 'PROFILE_NOT_YAML_FILE',
        message: `${file} is not a profile file`,
        location: referencedFrom ?? { file },
        expected: 'a profile name (e.g. dev) or the path of a .yaml or .yml file',
      },
      'Profiles are YAML files named <name>.yaml or <name>.yml; name one of them.',
    );
  const text = readText(file, referencedFrom);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true, strict: true });
  const at = (offset: number): SourceLocation => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };

  const errors = [...doc.errors];
  if (errors.length > 0 && !PROFILE_KEY_LINE.test(text)) {
    // Broken YAML with no line that starts with a profile key: some other file, not shown.
    throw profileError(
      {
        code: 'PROFILE_YAML_SYNTAX',
        message: `${file} is not a profile: it is not valid YAML, and no line starts with a profile key`,
        location: referencedFrom ?? { file },
        expected: `a YAML map with profile keys, e.g. extends, ${TOP_LEVEL_KEYS.slice(0, 4).join(', ')}`,
      },
      'Check that this is the profile you meant; `omrs profile schema` lists the keys a profile has.',
    );
  }
  if (errors.length > 0) {
    const problems: Problem[] = errors.map((e) => ({
      code: e.code === 'DUPLICATE_KEY' ? 'PROFILE_DUPLICATE_KEY' : 'PROFILE_YAML_SYNTAX',
      message:
        e.code === 'DUPLICATE_KEY'
          ? 'a key appears twice in the same map'
          : e.code === 'MULTIPLE_DOCS'
            ? 'a profile file holds one YAML document; found a second one after ---'
            : firstLine(e.message),
      location: at(e.pos[0]),
      hint:
        e.code === 'DUPLICATE_KEY'
          ? 'Keep one of the two; later files in `extends` override earlier ones, a file never overrides itself.'
          : 'Check indentation (spaces, not tabs) and quoting around this place.',
    }));
    throw new OmrsError({
      code: errorCodeOr(problems[0]!.code, 'PROFILE_YAML_SYNTAX'),
      message: `${file} is not valid YAML`,
      exitCode: ExitCode.usage,
      problems,
    });
  }

  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    throw profileError(
      { code: 'PROFILE_EMPTY', message: 'the profile file is empty', location: { file, line: 1, column: 1 } },
      'Start with `extends: base` and the keys you want to change.',
    );
  }
  if (!isMap(doc.contents)) {
    // Not a profile: no line of it is shown (the location is the file, or the `extends` naming it).
    throw profileError(
      {
        code: 'PROFILE_NOT_A_MAP',
        message: `${file} is not a profile: its content is not a map of keys`,
        location: referencedFrom ?? { file },
        expected: 'a YAML map at the top level, e.g. `runtime: compose`',
      },
      'Check that this is the profile you meant; a profile starts with keys such as `extends: base`.',
    );
  }

  const positions = new Map<string, Position>();
  collectPositions(doc.contents, [], positions, at);
  let value: Record<string, unknown>;
  try {
    value = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
  } catch (error) {
    // The yaml library refuses unresolved aliases and aliases that expand exponentially ("billion laughs").
    const message = (error as Error).message;
    const bomb = /excessive alias/i.test(message);
    throw profileError(
      {
        code: 'PROFILE_YAML_SYNTAX',
        message: bomb ? 'YAML aliases expand too much (resource exhaustion)' : firstLine(message),
        location: { file, line: 1, column: 1 },
      },
      bomb
        ? 'Profiles do not need aliases that expand this much; write the values out.'
        : 'Define each anchor (&name) before the alias (*name) that uses it.',
    );
  }
  return { file, value, positions };
}

function collectPositions(
  node: Node,
  path: (string | number)[],
  positions: Map<string, Position>,
  at: (offset: number) => SourceLocation,
): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as Node | null;
      const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      const childPath = [...path, key];
      const valueNode = pair.value as Node | null;
      const keyLoc = keyNode?.range ? at(keyNode.range[0]) : undefined;
      const valueLoc = valueNode?.range ? at(valueNode.range[0]) : keyLoc;
      if (valueLoc) positions.set(pathKey(childPath), { ...(keyLoc && { key: keyLoc }), value: valueLoc });
      if (valueNode) collectPositions(valueNode, childPath, positions, at);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      const child = item as Node;
      const childPath = [...path, index];
      if (child?.range) positions.set(pathKey(childPath), { value: at(child.range[0]) });
      if (child) collectPositions(child, childPath, positions, at);
    });
  }
}

function readText(file: string, referencedFrom?: SourceLocation): string {
  const problem = (code: string, message: string): Problem => ({
    code,
    message,
    location: referencedFrom ?? { file },
  });
  let size: number;
  try {
    const stat = statSync(file);
    if (stat.isDirectory())
      throw profileError(
        problem('PROFILE_UNREADABLE', `${file} is a directory, not a profile file`),
        'Name a YAML file inside it instead.',
      );
    size = stat.size;
  } catch (error) {
    if (error instanceof OmrsError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw profileError(
        problem('PROFILE_NOT_FOUND', `profile file ${file} does not exist`),
        'List the profiles with `ls profiles/`, or pass a path to a YAML file.',
      );
    throw profileError(problem('PROFILE_UNREADABLE', `cannot read ${file}: ${(error as Error).message}`));
  }
  if (size > MAX_PROFILE_BYTES) {
    throw profileError(
      {
        code: 'PROFILE_TOO_LARGE',
        message: `${file} is ${Math.round(size / 1024)} KiB; a profile may be at most ${MAX_PROFILE_BYTES / 1024} KiB`,
        location: { file },
      },
      'A profile holds settings, not data: is this the right file?',
    );
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw profileError(
      problem(
        'PROFILE_UNREADABLE',
        `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      ),
      'Check the file permissions.',
    );
  }
  const nul = bytes.indexOf(0);
  let text: string | undefined;
  if (nul === -1) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      text = undefined;
    }
  }
  if (text === undefined) {
    const offset = nul === -1 ? 0 : nul;
    const line = bytes.subarray(0, offset).toString('latin1').split('\n').length;
    throw profileError(
      {
        code: 'PROFILE_NOT_TEXT',
        message: `${file} is not UTF-8 text (binary data${nul === -1 ? '' : ' at byte ' + nul}, line ${line})`,
        location: referencedFrom ?? { file },
      },
      'A profile is a YAML text file; was a binary file saved under this name?',
    );
  }
  return text.replace(/^\uFEFF/, '');
}

const firstLine = (message: string): string =>
  message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
