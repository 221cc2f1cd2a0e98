// ${VAR} and ${VAR:-default} in string values, from the environment. `$${` is a literal `${`.
// A value that came from a variable whose name says it is secret is remembered, so it is never printed;
// every value that came from a variable is remembered with the variables' names, so that error
// messages can name the variable instead of quoting its value.
import type { Problem, SourceLocation } from '../errors.js';
import { ExitCode, OmrsError } from '../errors.js';
import { SECRET_NAME } from '../mask.js';

const REFERENCE = /\$(\$)?\{([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface InterpolationResult {
  value: unknown;
  /** Paths whose value came (in part) from a secret-named variable. */
  secretPaths: (string | number)[][];
  /** Every path whose value came (in part) from a variable, with the names of those variables. */
  interpolated: { path: (string | number)[]; variables: string[] }[];
}

export function interpolate(
  value: unknown,
  env: Record<string, string | undefined>,
  locate: (path: (string | number)[]) => SourceLocation | undefined,
): InterpolationResult {
  const secretPaths: (string | number)[][] = [];
  const interpolated: InterpolationResult['interpolated'] = [];
  const problems: Problem[] = [];

  const walk = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === 'string') return substitute(node, path);
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i]));
    if (node && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, [...path, k])]));
    }
    return node;
  };

  const substitute = (text: string, path: (string | number)[]): string => {
    if (!text.includes('$')) return text;
    const unclosed = text.replace(REFERENCE, '').indexOf('${');
    if (unclosed !== -1) {
      problems.push({
        code: 'PROFILE_INTERPOLATION',
        // The text is the file's own, but a secret field's text is still a secret.
        message: path.some((p) => SECRET_NAME.test(String(p)))
          ? 'unclosed "${" in a secret value'
          : `unclosed "\${" in "${text}"`,
        path,
        location: locate(path),
        expected: '${NAME} or ${NAME:-default}',
      });
      return text;
    }
    let secret = false;
    const variables: string[] = [];
    const result = text.replace(REFERENCE, (_match, escaped: string | undefined, body: string) => {
      if (escaped) return '${' + body + '}';
      const separator = body.indexOf(':-');
      const name = separator === -1 ? body : body.slice(0, separator);
      const fallback = separator === -1 ? undefined : body.slice(separator + 2);
      if (!NAME.test(name)) {
        problems.push({
          code: 'PROFILE_INTERPOLATION',
          message: `"\${${body}}" is not a valid variable reference`,
          path,
          location: locate(path),
          expected:
            'a variable name of letters, digits and "_", not starting with a digit: ${NAME} or ${NAME:-default}',
        });
        return '';
      }
      if (SECRET_NAME.test(name)) secret = true;
      if (!variables.includes(name)) variables.push(name);
      const fromEnv = env[name];
      if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
      if (fallback !== undefined) return fallback;
      problems.push({
        code: 'PROFILE_INTERPOLATION',
        message: `environment variable ${name} is not set`,
        path,
        location: locate(path),
        hint: `Set ${name}, or give a default: \${${name}:-value}.`,
      });
      return '';
    });
    if (secret) secretPaths.push(path);
    if (variables.length > 0) interpolated.push({ path, variables });
    return result;
  };

  const substituted = walk(value, []);
  if (problems.length > 0) {
    throw new OmrsError({
      code: 'PROFILE_INTERPOLATION',
      message: 'the profile refers to variables that cannot be resolved',
      exitCode: ExitCode.usage,
      problems,
    });
  }
  return { value: substituted, secretPaths, interpolated };
}
