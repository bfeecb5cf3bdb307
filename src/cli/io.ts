/** File access for the CLI shell (the core takes text, never paths). */
import { renameSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { formatBytes, LIMITS } from '../core/project/index.js';

/** Writes a file whole: a temp file beside it, then a rename, so no reader sees half a file. */
export function writeAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

function why(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOENT') return 'no such file';
  if (err.code === 'EISDIR') return 'it is a directory';
  return err.code === 'EACCES' ? 'permission denied' : err.message;
}

export type BytesResult = { ok: true; bytes: Uint8Array } | { ok: false; message: string };

/**
 * A file's bytes, refusing a directory, a special file or one over `limit` bytes before reading it.
 * `what` names the file in messages ("checkpoint").
 */
export async function readBytes(path: string, limit: number = LIMITS.maxFileBytes, what = ''): Promise<BytesResult> {
  const name = what ? `${what} ${path}` : path;
  try {
    const s = await stat(path);
    if (s.isDirectory()) return { ok: false, message: `Cannot read ${name}: it is a directory.` };
    if (!s.isFile()) return { ok: false, message: `Cannot read ${name}: it is not a regular file.` };
    if (s.size > limit) {
      const message = `Cannot read ${name}: it is ${formatBytes(s.size)}, over the limit of ${formatBytes(limit)}.`;
      return { ok: false, message };
    }
    return { ok: true, bytes: new Uint8Array(await readFile(path)) };
  } catch (e) {
    return { ok: false, message: `Cannot read ${name}: ${why(e)}.` };
  }
}

export type ReadResult = { ok: true; text: string } | { ok: false; message: string };

export async function readText(path: string): Promise<ReadResult> {
  try {
    return { ok: true, text: await readFile(path, 'utf8') };
  } catch (e) {
    return { ok: false, message: `Cannot read ${path}: ${why(e)}.` };
  }
}
