/** File access for the CLI shell (the core takes text, never paths). */
import { readFile } from 'node:fs/promises';

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
