// No secret leaves through an error path. Secrets are planted where a user's secrets live (an
// environment variable interpolated into the profile, a password file that `extends` or
// `--profile` names, the password of a --db URL) and every byte the real CLI prints is searched
// for them, raw and base64: each error still says what, where, what was expected and a hint.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../../helpers/cli.js';
import { makeProfilesProject } from '../../helpers/profiles.js';

const ADMIN_PASSWORD = 'Pl4nted-admin-Pw-Qx7v';
const PLAIN_VALUE = 'pl4nted-plain-value-Zr9';
const FILE_PASSWORD = 'Pl4nted-db-file-secret-Kw2';
const DB_PASSWORD = 'Pl4nted-db-Pw-Mn3';
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

/** The secret and the forms it would take in output: raw, percent-encoded, base64 (and unpadded). */
const forms = (secret: string): string[] => {
  const base64 = Buffer.from(secret).toString('base64');
  return [secret, encodeURIComponent(secret), base64, base64.replace(/=+$/, '')];
};

function expectNoSecret(run: CliRun, secrets: string[]): void {
  const output = run.stdout + run.stderr;
  for (const secret of secrets) for (const form of forms(secret)) expect(output).not.toContain(form);
  // Half a password is a leak too (e.g. the part after an @).
  for (const secret of secrets) expect(output).not.toContain(secret.slice(Math.floor(secret.length / 2)));
}

function expectCleanError(run: CliRun, code: string): void {
  expect(run.code).toBe(2);
  expect(run.stderr).toContain(code);
  expect(run.stderr).toMatch(/hint:/);
  expect(run.stderr).not.toMatch(STACK_FRAME);
  expect(run.stderr).not.toContain('Internal error');
}

describe('a value interpolated from a variable is never quoted in an error', () => {
  const project = makeProfilesProject({
    'secret-replicas.yaml': 'extends: base\nruntime: compose\nreplicas:\n  backend: ${OMRS_ADMIN_PASSWORD}\n',
    'plain-replicas.yaml': 'extends: base\nruntime: compose\nreplicas:\n  gateway: ${GATEWAY_REPLICAS}\n',
    'runtime-from-env.yaml': 'extends: base\nruntime: ${OMRS_RUNTIME_TOKEN}\n',
    'tenant-from-env.yaml':
      'extends: base\nruntime: compose\ntenants:\n  - name: ${TENANT_SECRET}\n  - name: ${TENANT_SECRET}\n',
  });
  const env = {
    OMRS_ADMIN_PASSWORD: ADMIN_PASSWORD,
    GATEWAY_REPLICAS: PLAIN_VALUE,
    OMRS_RUNTIME_TOKEN: 'composee',
    TENANT_SECRET: 'pl4nted-tn-q8w',
  };
  const run = (argv: string[]) => runCli(argv, { cwd: project.root, env });
  afterAll(() => project.remove());

  it.each([
    [['profile', 'validate', 'secret-replicas']],
    [['profile', 'show', 'secret-replicas']],
    [['profile', 'show', 'secret-replicas', '--origins']],
    [['profile', 'diff', 'dev', 'secret-replicas']],
    [['render', '--profile', 'secret-replicas']],
  ])('omrs %j names the variable, not its value', async (argv) => {
    const result = await run(argv);
    expectCleanError(result, 'PROFILE_INVALID_TYPE');
    expect(result.stderr).toContain(
      '`replicas.backend` must be a number, not a string from ${OMRS_ADMIN_PASSWORD} (not shown)',
    );
    expect(result.stderr).toMatch(/profiles\/secret-replicas\.yaml:4:12/);
    expect(result.stderr).toMatch(/hint: The value comes from \$\{OMRS_ADMIN_PASSWORD\}/);
    expectNoSecret(result, [ADMIN_PASSWORD]);
  });

  it('with --json: the error object has no secret either', async () => {
    const result = await run(['profile', 'validate', 'secret-replicas', '--json']);
    expect(result.code).toBe(2);
    const { error } = JSON.parse(result.stdout) as {
      error: { code: string; problems: { message: string; hint: string; path: string[] }[] };
    };
    expect(error.code).toBe('PROFILE_INVALID_TYPE');
    expect(error.problems[0]).toMatchObject({ path: ['replicas', 'backend'] });
    expect(error.problems[0]?.hint).toContain('${OMRS_ADMIN_PASSWORD}');
    expectNoSecret(result, [ADMIN_PASSWORD]);
  });

  it('masks values from variables whose names do not say secret as well', async () => {
    const result = await run(['profile', 'validate', 'plain-replicas']);
    expectCleanError(result, 'PROFILE_INVALID_TYPE');
    expect(result.stderr).toContain('from ${GATEWAY_REPLICAS} (not shown)');
    expectNoSecret(result, [PLAIN_VALUE]);
  });

  it('gives no "did you mean" built from an interpolated value', async () => {
    const result = await run(['profile', 'validate', 'runtime-from-env']);
    expectCleanError(result, 'PROFILE_INVALID_VALUE');
    expect(result.stderr).toContain('`runtime` is a string from ${OMRS_RUNTIME_TOKEN} (not shown)');
    expect(result.stderr).not.toContain('Did you mean');
    expectNoSecret(result, ['composee']);
  });

  it('does not quote an interpolated value in a custom check (duplicate tenant name)', async () => {
    const result = await run(['profile', 'validate', 'tenant-from-env', '--json']);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'PROFILE_INVALID_VALUE' } });
    expectNoSecret(result, ['pl4nted-tn-q8w']);
  });
});

describe('a file that is not a profile is never quoted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'omrs-not-a-profile-'));
  const profiles = join(dir, 'profiles');
  const secrets = join(dir, '.omrs', 'envs', 'dev');
  mkdirSync(profiles, { recursive: true });
  mkdirSync(secrets, { recursive: true });
  // What an environment's generated password file looks like, with and without a YAML name.
  writeFileSync(join(secrets, 'db-password'), `${FILE_PASSWORD}\n`);
  writeFileSync(join(secrets, 'db-password.yaml'), `${FILE_PASSWORD}\n`);
  writeFileSync(
    join(secrets, 'pull-secret.yaml'),
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: pull\ndata:\n  .dockerconfigjson: ${FILE_PASSWORD}\n`,
  );
  writeFileSync(
    join(secrets, 'stray-password.yaml'),
    `runtime: compose\nadmn:\n  password: ${FILE_PASSWORD}\n`,
  );
  writeFileSync(join(secrets, 'flow.yml'), `{ ${FILE_PASSWORD}\n`);
  writeFileSync(join(dir, 'passwd'), `root:x:0:0:${FILE_PASSWORD}:/root:/bin/bash\n`);
  const profile = (name: string, parent: string) =>
    writeFileSync(join(profiles, `${name}.yaml`), `extends: ${parent}\nruntime: compose\n`);
  profile('extends-password-file', '../.omrs/envs/dev/db-password');
  profile('extends-password-yaml', '../.omrs/envs/dev/db-password.yaml');
  profile('extends-manifest', '../.omrs/envs/dev/pull-secret.yaml');
  profile('extends-stray-password', '../.omrs/envs/dev/stray-password.yaml');
  writeFileSync(
    join(profiles, 'flow-password.yaml'),
    `runtime: compose\nadmin: { password: "${FILE_PASSWORD}, x" }\nadmn: 1\n`,
  );
  profile('extends-flow', '../.omrs/envs/dev/flow.yml');
  const run = (argv: string[]) => runCli(argv, { cwd: dir });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses `extends` of a file without a .yaml name, pointing at the extends line', async () => {
    const result = await run(['profile', 'validate', 'extends-password-file']);
    expectCleanError(result, 'PROFILE_NOT_YAML_FILE');
    expect(result.stderr).toContain('db-password is not a profile file');
    expect(result.stderr).toContain('profiles/extends-password-file.yaml:1:10');
    expectNoSecret(result, [FILE_PASSWORD]);
  });

  it('refuses `extends` of a .yaml file that is not a map, without a frame of it', async () => {
    const result = await run(['profile', 'show', 'extends-password-yaml']);
    expectCleanError(result, 'PROFILE_NOT_A_MAP');
    expect(result.stderr).toContain('db-password.yaml is not a profile: its content is not a map of keys');
    expectNoSecret(result, [FILE_PASSWORD]);
  });

  it('refuses `extends` of a YAML map with no profile key (a Secret manifest), without a frame', async () => {
    for (const argv of [
      ['profile', 'validate', 'extends-manifest'],
      ['profile', 'show', join(secrets, 'pull-secret.yaml')],
    ]) {
      const result = await run(argv);
      expectCleanError(result, 'PROFILE_NOT_A_PROFILE');
      expect(result.stderr).toContain('pull-secret.yaml is not a profile: none of its 4 top-level key(s)');
      expectNoSecret(result, [FILE_PASSWORD]);
    }
  });

  it('masks the value of a secret-named key in the frame of a profile', async () => {
    const result = await run(['profile', 'validate', 'extends-stray-password']);
    expectCleanError(result, 'PROFILE_UNKNOWN_KEY');
    expect(result.stderr).toContain('Did you mean `admin`?');
    expect(result.stderr).toMatch(/3 \| {3}password: \*\*\*/);
    expectNoSecret(result, [FILE_PASSWORD]);
  });

  it('reports a YAML syntax error in a .yml file with no profile key without quoting it', async () => {
    for (const json of [false, true]) {
      const result = await run(['profile', 'validate', 'extends-flow', ...(json ? ['--json'] : [])]);
      expect(result.code).toBe(2);
      const output = result.stdout + result.stderr;
      expect(output).toContain('PROFILE_YAML_SYNTAX');
      expect(output).toContain('flow.yml is not a profile: it is not valid YAML');
      expectNoSecret(result, [FILE_PASSWORD]);
    }
  });

  it('masks a secret-named key inside a flow map in the frame', async () => {
    const result = await run(['profile', 'validate', 'flow-password']);
    expectCleanError(result, 'PROFILE_UNKNOWN_KEY');
    expect(result.stderr).toContain('2 | admin: { password: *** }');
    expectNoSecret(result, [FILE_PASSWORD]);
  });

  it.each([
    ['passwd', 'PROFILE_NOT_FOUND'],
    [join(dir, 'passwd'), 'PROFILE_NOT_YAML_FILE'],
    ['../../../../../../../../etc/passwd', 'PROFILE_NOT_YAML_FILE'],
    ['/etc/shadow', 'PROFILE_NOT_YAML_FILE'],
  ])('profile show %s prints no line of the file', async (path, code) => {
    for (const json of [false, true]) {
      const result = await run(['profile', 'show', path, ...(json ? ['--json'] : [])]);
      expect(result.code).toBe(2);
      const output = result.stdout + result.stderr;
      expect(output).toContain(code);
      expect(output).not.toMatch(/root:x:0:0|root:[*!$]/);
      expectNoSecret(result, [FILE_PASSWORD]);
    }
  });

  it.each([[`mysql://u:${FILE_PASSWORD}@db/openmrs`], [`mysql://u:${FILE_PASSWORD}@db/x.yaml`]])(
    'a URL given as the profile: %s',
    async (ref) => {
      for (const json of [false, true]) {
        const result = await run(['profile', 'validate', ref, ...(json ? ['--json'] : [])]);
        expect(result.code).toBe(2);
        expect(result.stdout + result.stderr).toContain('mysql:***@db/');
        expectNoSecret(result, [FILE_PASSWORD]);
      }
    },
  );

  it('--profile of a password file is refused the same way', async () => {
    const result = await run(['render', '--profile', join(secrets, 'db-password')]);
    expectCleanError(result, 'PROFILE_NOT_YAML_FILE');
    expectNoSecret(result, [FILE_PASSWORD]);
  });
});

describe('a --db URL is masked however it is malformed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'omrs-db-url-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const pw = DB_PASSWORD;

  it.each([
    [`mysql//u:${pw}@127.0.0.1:13306/openmrs`, 'not a URL'],
    [`mysql:/u:${pw}@127.0.0.1:13306/openmrs`, 'no host'],
    [`mysql:u:${pw}@127.0.0.1:13306/openmrs`, 'no host'],
    [`u:${pw}@127.0.0.1:13306/openmrs`, 'scheme must be mysql://'],
    [`mysql://u:${pw}@x@127.0.0.1:13306/bad.name`, 'has characters omrs does not accept'],
    [`mysql://u:${pw.slice(0, 6)}@${pw.slice(6)}@127.0.0.1:13306/bad.name`, 'has characters'],
    [`mysql://u:${pw.slice(0, 6)}/${pw.slice(6)}@127.0.0.1:13306/openmrs`, 'not a URL'],
    [`mysql://u:${pw}%zz@127.0.0.1:13306/openmrs`, 'that is not followed by two hex digits'],
    [`mysql://u:${pw.slice(0, 6)} ${pw.slice(6)}@127.0.0.1:13306/bad.name`, 'contains a space'],
    [`postgres://u:${encodeURIComponent(pw + '@/#')}@127.0.0.1:5432/openmrs`, 'scheme must be mysql://'],
  ])('omrs seed --db %s', async (url, why) => {
    const secrets = [pw, pw.slice(0, 6), pw.slice(6)];
    for (const argv of [
      ['seed', '--db', url],
      ['seed', '--db', url, '--json'],
      ['seed', '--status', '--db', url],
      ['db', 'snapshot', 'x', '--db', url],
    ]) {
      const result = await runCli(argv, { cwd: dir });
      expect(result.code).toBe(2);
      const output = result.stdout + result.stderr;
      expect(output).toContain('SEED_BAD_DB_URL');
      expect(output).toContain('invalid database URL');
      expect(output).toContain(why);
      expect(output).toContain('percent-encode special characters in the password');
      expect(output).not.toMatch(STACK_FRAME);
      expectNoSecret(result, secrets);
    }
  });

  it('a password with @ that reaches the database is not echoed when the login fails', async () => {
    const url = `mysql://omrs_nobody:${pw.slice(0, 6)}@${pw.slice(6)}@127.0.0.1:13306/openmrs`;
    for (const argv of [
      ['seed', '--db', url],
      ['seed', '--status', '--db', url, '--json'],
    ]) {
      const result = await runCli(argv, { cwd: dir });
      expect(result.code).toBe(2);
      expect(result.stdout + result.stderr).toContain('SEED_DB_ACCESS_DENIED');
      expectNoSecret(result, [pw, pw.slice(0, 6), pw.slice(6)]);
    }
  });

  it('OMRS_DB_URL is masked the same way', async () => {
    const result = await runCli(['seed'], { cwd: dir, env: { OMRS_DB_URL: `mysql:/u:${pw}@h/openmrs` } });
    expectCleanError(result, 'SEED_BAD_DB_URL');
    expect(result.stderr).toContain('mysql:/u:***@h/openmrs');
    expectNoSecret(result, [pw]);
  });
});

describe('engine URLs with credentials are masked in errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'omrs-engine-urls-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const ENGINE_PASSWORD = 'Pl4nted-engine-Pw-Jd5';
  const TOKEN = 'Pl4nted-kube-token-Vb8';
  const kubeconfig = (name: string, server: string, tail = '') => {
    const file = join(dir, name);
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'clusters:',
        `- cluster: { server: "${server}" }`,
        '  name: c',
        'contexts:',
        '- context: { cluster: c, user: u }',
        '  name: x',
        'current-context: x',
        'users:',
        '- name: u',
        '  user:',
        `    token: ${TOKEN}`,
        tail,
      ].join('\n'),
    );
    return file;
  };

  it.each([
    [`tcp://admin:${ENGINE_PASSWORD}@127.0.0.1:1`],
    [`tcp//admin:${ENGINE_PASSWORD}@127.0.0.1:1`],
    [`ssh://admin:${ENGINE_PASSWORD}@127.0.0.1:1`],
  ])('DOCKER_HOST=%s', async (host) => {
    for (const json of [false, true]) {
      const result = await runCli(['env', 'ls', '--runtime', 'compose', ...(json ? ['--json'] : [])], {
        cwd: dir,
        env: { DOCKER_HOST: host },
      });
      expect(result.code).toBe(4);
      expect(result.stdout + result.stderr).toContain('DOCKER_UNREACHABLE');
      expectNoSecret(result, [ENGINE_PASSWORD]);
    }
  });

  it('a kube API server URL with credentials', async () => {
    const file = kubeconfig('server-with-password.yaml', `https://u:${ENGINE_PASSWORD}@127.0.0.1:1`);
    const result = await runCli(['env', 'ls', '--runtime', 'kube'], { cwd: dir, env: { KUBECONFIG: file } });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('KUBE_UNREACHABLE');
    expect(result.stderr).toContain('https://u:***@127.0.0.1:1');
    expectNoSecret(result, [ENGINE_PASSWORD, TOKEN]);
  });

  it('a kubeconfig that does not parse is not quoted', async () => {
    const file = kubeconfig('broken.yaml', 'https://127.0.0.1:1', '   bad: [');
    const result = await runCli(['env', 'ls', '--runtime', 'kube'], { cwd: dir, env: { KUBECONFIG: file } });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('KUBE_CONFIG_MISSING');
    expectNoSecret(result, [TOKEN]);
  });

  it('an AWS endpoint with credentials and the AWS secret key', async () => {
    const secretKey = 'Pl4nted-aws-secret-key-Hs6';
    const result = await runCli(
      [
        'promote',
        'fingerprint',
        '--profile',
        join(import.meta.dirname, '../../fixtures/profiles/good/promote-test.yaml'),
      ],
      {
        cwd: join(import.meta.dirname, '../../..'),
        env: {
          OMRS_AWS_ENDPOINT: `http://AKIAPLANTED:${ENGINE_PASSWORD}@127.0.0.1:1`,
          AWS_ACCESS_KEY_ID: 'AKIAPLANTED',
          AWS_SECRET_ACCESS_KEY: secretKey,
          AWS_SESSION_TOKEN: undefined,
          AWS_REGION: 'us-east-1',
        },
      },
    );
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('AWS_UNREACHABLE');
    expect(result.stderr).toContain('http://AKIAPLANTED:***@127.0.0.1:1');
    expectNoSecret(result, [ENGINE_PASSWORD, secretKey]);
  });

  it.each([
    [[`mysql://u:${ENGINE_PASSWORD}@db/openmrs`]],
    [['seed', '--size', `mysql://u:${ENGINE_PASSWORD}@db/openmrs`]],
  ])('a URL commander refuses as an argument: omrs %j', async (argv) => {
    const result = await runCli(argv, { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('u:***@db/openmrs');
    expectNoSecret(result, [ENGINE_PASSWORD]);
  });
});
