// checkov and tfsec over terraform/: no failed check, and every inline suppression
// (#checkov:skip=..., #tfsec:ignore:...) is listed with its reason in terraform/README.md.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireEngine } from '../../helpers/engines.js';
import { checkovTerraform, tfsec, type TfFinding } from './scan.js';

const root = join(import.meta.dirname, '../../..');
const tfDir = join(root, 'terraform');
const scanners = requireEngine('scanners');
const readme = readFileSync(join(tfDir, 'README.md'), 'utf8');

const tfFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.name.startsWith('.')
      ? []
      : e.isDirectory()
        ? tfFiles(join(dir, e.name))
        : e.name.endsWith('.tf')
          ? [join(dir, e.name)]
          : [],
  );

/** Inline suppressions in the .tf files: scanner, check id, file and the reason given on the line. */
function suppressions(): { scanner: string; check: string; file: string }[] {
  return tfFiles(tfDir).flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    const rel = relative(root, file);
    return [
      ...[...text.matchAll(/#\s*checkov:skip=([A-Z0-9_]+)(?::(.*))?/g)].map((m) => {
        expect(
          m[2]?.trim().length ?? 0,
          `${rel}: checkov skip of ${m[1]} needs a reason after the id`,
        ).toBeGreaterThan(20);
        return { scanner: 'checkov', check: m[1]!, file: rel };
      }),
      ...[...text.matchAll(/#\s*tfsec:ignore:([a-z0-9-]+)/g)].map((m) => ({
        scanner: 'tfsec',
        check: m[1]!,
        file: rel,
      })),
    ];
  });
}

const show = (f: TfFinding): string => `${f.scanner} ${f.check} on ${f.resource} (${f.file})`;

describe.skipIf(!scanners)('security scanners on terraform/', () => {
  it('every inline suppression is explained in terraform/README.md', () => {
    const found = suppressions();
    expect(found.length).toBeGreaterThan(0);
    for (const s of found)
      expect(
        readme,
        `${s.scanner} ${s.check} in ${s.file} is not in the README's suppression table`,
      ).toContain(s.check);
  });

  it.skipIf(!scanners?.checkov)(
    'checkov: zero failed checks',
    async () => {
      const result = await checkovTerraform(scanners!.checkov!, tfDir);
      expect(result.failed.map(show)).toEqual([]);
      // The scan really covered the modules (a parse problem would show as "nothing checked").
      expect(result.passed).toBeGreaterThan(100);
      for (const id of [
        'CKV_AWS_37',
        'CKV_AWS_39',
        'CKV_AWS_58',
        'CKV_AWS_16',
        'CKV_AWS_17',
        'CKV_AWS_293',
        'CKV_AWS_157',
        'CKV_AWS_161',
        'CKV2_AWS_69',
      ])
        expect(
          result.skipped.map((s) => s.check),
          `${id} must pass, not be skipped`,
        ).not.toContain(id);
      // Every skip in the code was applied (no stale or misspelt skip comment).
      const skippedIds = new Set(result.skipped.map((s) => s.check));
      for (const s of suppressions().filter((x) => x.scanner === 'checkov'))
        expect(skippedIds, `${s.check} in ${s.file}`).toContain(s.check);
    },
    300_000,
  );

  it.skipIf(!scanners?.tfsec)('tfsec: zero problems in every root and module', async () => {
    expect((await tfsec(scanners!.tfsec!, tfDir, { allDirs: true })).map(show)).toEqual([]);
    // Without --force-all-dirs tfsec scans the root it picks first: that must be clean too.
    expect((await tfsec(scanners!.tfsec!, tfDir, { allDirs: false })).map(show)).toEqual([]);
    for (const env of ['envs/prod', 'envs/qa', 'bootstrap'])
      expect((await tfsec(scanners!.tfsec!, join(tfDir, env), { allDirs: false })).map(show), env).toEqual(
        [],
      );
  });

  it.skipIf(!scanners?.tfsec)('tfsec: every ignore comment still silences a finding', async () => {
    const ignored = new Set(
      (await tfsec(scanners!.tfsec!, tfDir, { allDirs: true, includeIgnored: true })).map((f) => f.check),
    );
    for (const s of suppressions().filter((x) => x.scanner === 'tfsec'))
      expect(ignored, `${s.check} in ${s.file}`).toContain(s.check);
  });
});
