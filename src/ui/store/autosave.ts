/**
 * Autosave to IndexedDB (through idb-keyval): the document is written a
 * moment after every edit and restored on the next load, so a reload or a
 * crash loses nothing typed.
 */
import { del, get, set } from 'idb-keyval';

const KEY = 'ganvas:autosave:v1';

export interface Autosave {
  file: string;
  doc: unknown;
  savedAt: string;
}

export async function loadAutosave(): Promise<Autosave | undefined> {
  try {
    const v = (await get(KEY)) as Autosave | undefined;
    return v && typeof v === 'object' && typeof v.file === 'string' ? v : undefined;
  } catch {
    return undefined; // private mode or no IndexedDB: run without autosave
  }
}

let timer: ReturnType<typeof setTimeout> | undefined;

export function scheduleAutosave(file: string, doc: unknown, delayMs = 300): void {
  if (timer) clearTimeout(timer);
  timer = setTimeout(() => {
    void set(KEY, { file, doc, savedAt: new Date().toISOString() } satisfies Autosave).catch(() => undefined);
  }, delayMs);
}

export async function clearAutosave(): Promise<void> {
  if (timer) clearTimeout(timer);
  try {
    await del(KEY);
  } catch {
    // nothing to clear
  }
}
