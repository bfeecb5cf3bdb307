import { useEffect } from 'react';
import { runKey } from '../editor/commands.js';
import type { EditorStore } from '../editor/store.js';

/** Runs the command table's shortcuts, except while a person types in a field. */
export function useCommandKeys(store: EditorStore): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (['INPUT', 'SELECT', 'TEXTAREA'].includes(t.tagName) || t.isContentEditable)) return;
      if (runKey(store, e)) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);
}
