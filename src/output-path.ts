// Where a command writes its output (-o): checked, and its folders made, before any long work starts,
// so a path that cannot be written fails at once with a clear error instead of after minutes of work.
import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ExitCode, OmrsError } from './errors.js';

export interface OutputTarget {
  /** The flag that named the path, for messages, e.g. "-o". */
  flag: string;
  /** A file the command writes, or a folder it writes files into. */
  kind: 'file' | 'folder';
  /** Mode of the folders this creates (default 0755); 0700 where the output holds secrets. */
  folderMode?: number;
  /** Why "-" (standard output) cannot take this output, and what to do instead. */
  notStdout?: { why: string; hint: string };
}

/** `-o -` and the like: the path a user gives for "standard output". */
export const isStdoutPath = (path: string): boolean => path === '-';

const unwritable = (path: string, target: OutputTarget, why: string, hint?: string): OmrsError =>
  new OmrsError({
    code: 'OUTPUT_NOT_WRITABLE',
    message: `cannot write ${target.kind === 'file' ? 'the file' : 'into the folder'} ${path} (${target.flag}): ${why}`,
    hint:
      hint ??
      `Give ${target.flag} a ${target.kind === 'file' ? 'file' : 'folder'} path in a folder you can write to.`,
    exitCode: ExitCode.usage,
  });

const reason = (error: unknown): string => {
  const code = (error as { code?: string }).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'the file system is read-only';
  if (code === 'ENOSPC') return 'no space left on the device';
  if (code === 'ENOTDIR') return 'a part of the path is a file, not a folder';
  if (code === 'ENOENT') return 'a folder on the path cannot be created there';
  return code ?? (error instanceof Error ? error.message : String(error));
};

async function kindOf(path: string): Promise<'file' | 'folder' | 'other' | undefined> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? 'folder' : info.isFile() ? 'file' : 'other';
  } catch (error) {
    // ENOTDIR: a part above is a file; the walk up in makeFolders finds and names it.
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/**
 * Makes the folders an output path needs and proves that the folder the output goes into takes a
 * new file. Folders are created one level at a time: Node's recursive mkdir never returns for
 * paths under /proc. Returns the absolute path.
 */
export async function prepareOutputPath(path: string, cwd: string, target: OutputTarget): Promise<string> {
  if (isStdoutPath(path))
    throw new OmrsError({
      code: 'OUTPUT_NOT_STDOUT',
      message: `${target.flag} - (standard output) is not supported here: ${target.notStdout?.why ?? `it takes a ${target.kind} path`}`,
      hint: target.notStdout?.hint ?? `Give ${target.flag} a ${target.kind} path.`,
      exitCode: ExitCode.usage,
    });
  if (path.trim() === '') throw unwritable(JSON.stringify(path), target, 'the path is empty');
  const absolute = resolve(cwd, path);
  const folder = target.kind === 'folder' ? absolute : dirname(absolute);
  try {
    const existing = await kindOf(absolute);
    if (existing === 'folder' && target.kind === 'file') throw unwritable(absolute, target, 'it is a folder');
    if (existing && existing !== 'folder' && target.kind === 'folder')
      throw unwritable(absolute, target, 'it is a file, not a folder');
    if (existing === 'other') throw unwritable(absolute, target, 'it is not a regular file');
    await makeFolders(folder, absolute, target);
    const probe = resolve(folder, `.omrs-write-test-${randomBytes(4).toString('hex')}`);
    await writeFile(probe, '', { flag: 'wx', mode: 0o600 });
    await rm(probe, { force: true });
  } catch (error) {
    if (error instanceof OmrsError) throw error;
    throw unwritable(absolute, target, reason(error));
  }
  return absolute;
}

async function makeFolders(folder: string, absolute: string, target: OutputTarget): Promise<void> {
  const missing: string[] = [];
  let at = folder;
  for (;;) {
    const kind = await kindOf(at);
    if (kind === 'folder') break;
    if (kind !== undefined) throw unwritable(absolute, target, `${at} is a file, not a folder`);
    missing.unshift(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const dir of missing) await mkdir(dir, { mode: target.folderMode ?? 0o755 });
}
