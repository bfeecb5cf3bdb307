/** File access for the CLI shell (the core takes text, never paths). */
import { renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** Writes a file whole: a temp file beside it, then a rename, so no reader sees half a file. */
export function writeAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export type ReadResult = { ok: true; text: string } | { ok: false; message: string };

export async function readText(path: string): Promise<ReadResult> {
  try {
    return { ok: true, text: await readFile(path, 'utf8') };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'it is a directory' : err.code === 'EACCES' ? 'permission denied' : err.message;
    return { ok: false, message: `Cannot read ${path}: ${why}.` };
  }
}
