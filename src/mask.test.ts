// maskCredentials: the password of every userinfo-shaped part is masked, for the URLs people type
// wrong as well as the right ones, and nothing that is not a password is touched.
import { describe, expect, it } from 'vitest';
import { MASK, maskCredentials, printable } from './mask.js';

const PW = 'S3cr-et.pw';

describe('maskCredentials', () => {
  it.each([
    ['mysql://u:PW@db:3306/openmrs', 'mysql://u:***@db:3306/openmrs'],
    ['mysql//u:PW@db/openmrs', 'mysql//u:***@db/openmrs'],
    ['mysql:/u:PW@db/openmrs', 'mysql:/u:***@db/openmrs'],
    ['mysql:u:PW@db/openmrs', 'mysql:***@db/openmrs'],
    ['u:PW@db/openmrs', 'u:***@db/openmrs'],
    [':PW@db/openmrs', ':***@db/openmrs'],
    ['mariadb://u:PW@/openmrs?socket=/run/my.sock', 'mariadb://u:***@/openmrs?socket=/run/my.sock'],
  ])('masks the password of %s', (raw, masked) => {
    const text = raw.replace('PW', PW);
    expect(maskCredentials(text)).toBe(masked);
    expect(maskCredentials(text)).not.toContain(PW);
  });

  it('masks all of a password that contains @ (the userinfo ends at the last @)', () => {
    for (const raw of ['mysql://u:p@ss@db/x', 'mysql://u:p@s@s@db/x', 'u:p@ss@db', 'mysql//u:@p@ss@db/x'])
      expect(maskCredentials(raw)).toMatch(/^[a-z/:]*u:\*\*\*@db(\/x)?$/);
  });

  it('masks percent-encoded passwords and keeps an encoded user name', () => {
    expect(maskCredentials('mysql://u%40corp:p%40ss%3Aw%25rd@db/x')).toBe('mysql://u%40corp:***@db/x');
  });

  it('masks passwords with characters a URL does not allow unencoded (/, #, ?)', () => {
    for (const pw of ['pa/ss', 'p#w', 'p?w', '1234/abc'])
      expect(maskCredentials(`mysql://u:${pw}@db/x`)).toBe('mysql://u:***@db/x');
  });

  it('masks every URL in a sentence, also quoted ones', () => {
    const text = `invalid database URL "mysql://a:${PW}@h/x", then 'https://b:${PW}2@k8s:6443/api' failed (c:${PW}3@h)`;
    const out = maskCredentials(text);
    expect(out).not.toContain(PW);
    expect(out).toBe(
      `invalid database URL "mysql://a:${MASK}@h/x", then 'https://b:${MASK}@k8s:6443/api' failed (c:${MASK}@h)`,
    );
  });

  it('masks the credentials of DOCKER_HOST, kube server and AWS endpoint URLs', () => {
    expect(maskCredentials('tcp://admin:dockerpw@10.0.0.5:2375')).toBe('tcp://admin:***@10.0.0.5:2375');
    expect(maskCredentials('request to https://x:kubepw@127.0.0.1:6443/api/v1/pods failed')).toBe(
      'request to https://x:***@127.0.0.1:6443/api/v1/pods failed',
    );
    expect(maskCredentials('http://AKIAEXAMPLE:wJalrXUtnFEMI%2FK7MDENG@moto:5000')).toBe(
      'http://AKIAEXAMPLE:***@moto:5000',
    );
  });

  it('leaves text without a password alone', () => {
    for (const text of [
      'mysql://omrs@db:3306/openmrs',
      'user@example.org wrote: hello',
      'cannot connect to mysql://u@127.0.0.1:13306/openmrs: connect ECONNREFUSED 127.0.0.1:13306',
      'registry:5000/openmrs/backend@sha256:' + 'a'.repeat(64),
      'mysql://u:@db/x',
      'ssh user@host:22',
      '',
    ])
      expect(maskCredentials(text)).toBe(text);
  });

  it('masks the password before an image digest', () => {
    expect(maskCredentials(`https://u:${PW}@reg:5000/app@sha256:${'b'.repeat(64)}`)).toBe(
      `https://u:***@reg:5000/app@sha256:${'b'.repeat(64)}`,
    );
  });
});

describe('printable', () => {
  it('escapes every control character but the newline', () => {
    expect(printable('a\u001b[31mb\u0007c\td\re\u007ff\u009bg\nh')).toBe(
      'a\\x1b[31mb\\x07c\\td\\re\\x7ff\\x9bg\nh',
    );
  });

  it('shortens a very long value to its start and its length', () => {
    const value = 'n'.repeat(5000);
    expect(printable(`invalid snapshot name "${value}"`)).toBe(
      `invalid snapshot name "${'n'.repeat(79)}… (5002 characters)`,
    );
  });

  it('keeps every line of a message under 320 characters, also of long prose', () => {
    const text = printable(`${'word '.repeat(200)}\nnext`);
    expect(text.split('\n').map((l) => l.length <= 320)).toEqual([true, true]);
    expect(text).toMatch(/… \(1000 characters\)\nnext$/);
  });

  it('leaves ordinary messages alone', () => {
    const text = 'environment qa-eu exists already (namespace omrs-qa-eu)\n  hint: choose another --name';
    expect(printable(text)).toBe(text);
  });
});
