import { describe, expect, it } from 'vitest';
import { OmrsError } from '../../../src/errors.js';
import { interpolate } from '../../../src/profile/interpolate.js';

const locate = () => ({ file: 'p.yaml', line: 1, column: 1 });

describe('interpolate', () => {
  it('substitutes ${VAR} and ${VAR:-default}', () => {
    const { value } = interpolate(
      { a: '${HOST}', b: 'http://${HOST}:${PORT:-8080}/x', c: ['${HOST}'] },
      { HOST: 'emr.local' },
      locate,
    );
    expect(value).toEqual({ a: 'emr.local', b: 'http://emr.local:8080/x', c: ['emr.local'] });
  });

  it('uses the default when the variable is set but empty', () => {
    expect(interpolate({ a: '${X:-d}' }, { X: '' }, locate).value).toEqual({ a: 'd' });
  });

  it('allows an empty default', () => {
    expect(interpolate({ a: 'x${X:-}y' }, {}, locate).value).toEqual({ a: 'xy' });
  });

  it('keeps $${ as a literal ${', () => {
    expect(interpolate({ a: 'cost $${NOT_A_VAR}' }, {}, locate).value).toEqual({ a: 'cost ${NOT_A_VAR}' });
  });

  it('leaves numbers, booleans and plain strings alone', () => {
    expect(interpolate({ a: 1, b: true, c: 'plain $ sign' }, {}, locate).value).toEqual({
      a: 1,
      b: true,
      c: 'plain $ sign',
    });
  });

  it('marks values that come from secret-named variables', () => {
    const result = interpolate(
      { admin: { password: '${OMRS_ADMIN_PASSWORD}' }, host: '${HOST}' },
      { OMRS_ADMIN_PASSWORD: 's3cret', HOST: 'h' },
      locate,
    );
    expect(result.secretPaths).toEqual([['admin', 'password']]);
  });

  it('records every interpolated path with the names of its variables', () => {
    const result = interpolate(
      { a: '${HOST}:${PORT:-80}', b: 'plain', c: ['${HOST}'], d: '$${NOT_A_VAR}' },
      { HOST: 'h' },
      locate,
    );
    expect(result.interpolated).toEqual([
      { path: ['a'], variables: ['HOST', 'PORT'] },
      { path: ['c', 0], variables: ['HOST'] },
    ]);
  });

  it('does not quote the text of a secret field in an unclosed-reference problem', () => {
    try {
      interpolate({ admin: { password: 'hunter2-${X' } }, {}, locate);
      expect.unreachable();
    } catch (error) {
      const problem = (error as OmrsError).problems[0]!;
      expect(problem.message).toBe('unclosed "${" in a secret value');
      expect(JSON.stringify(problem)).not.toContain('hunter2');
    }
  });

  it.each([
    ['an unset variable', '${OMRS_SURELY_UNSET}', /OMRS_SURELY_UNSET is not set/],
    ['a bad name', '${1X}', /not a valid variable reference/],
    ['an empty name', '${}', /not a valid variable reference/],
    ['an unclosed reference', '${HOST', /unclosed/],
  ])('rejects %s with a located problem', (_what, text, message) => {
    try {
      interpolate({ key: text }, {}, locate);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(OmrsError);
      const problem = (error as OmrsError).problems[0]!;
      expect(problem.code).toBe('PROFILE_INTERPOLATION');
      expect(problem.message).toMatch(message);
      expect(problem.path).toEqual(['key']);
      expect(problem.location).toEqual({ file: 'p.yaml', line: 1, column: 1 });
    }
  });

  it('reports every bad reference at once', () => {
    try {
      interpolate({ a: '${A_UNSET_1}', b: '${B_UNSET_2}' }, {}, locate);
      expect.unreachable();
    } catch (error) {
      expect((error as OmrsError).problems).toHaveLength(2);
    }
  });
});
