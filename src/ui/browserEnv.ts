/**
 * The editor store's platform in the page: downloads through a temporary
 * link, autosave to IndexedDB, and the exporter loaded when first used.
 */
import type { EditorEnv } from './editor/store.js';
import { clearAutosave, scheduleAutosave } from './store/autosave.js';

function download(name: string, text: string, mime: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: mime }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

export const browserEnv: EditorEnv = {
  download,
  scheduleAutosave: (file, doc) => scheduleAutosave(file, doc),
  clearAutosave: () => void clearAutosave(),
  exportScript: async (analysis, target) => (await import('./exportScript.js')).exportScript(analysis, target),
};
