/**
 * React's window on the editor store: components read the snapshot (or one
 * field of it) through useSyncExternalStore and act through the store's
 * actions. The store comes from the nearest <EditorProvider>.
 */
import { createContext, createElement, type ReactNode, useContext, useSyncExternalStore } from 'react';
import type { EditorState, EditorStore } from '../editor/store.js';

const EditorContext = createContext<EditorStore | undefined>(undefined);

export function EditorProvider({ store, children }: { store: EditorStore; children: ReactNode }) {
  return createElement(EditorContext.Provider, { value: store }, children);
}

export function useEditorStore(): EditorStore {
  const store = useContext(EditorContext);
  if (!store) throw new Error('useEditorStore needs an <EditorProvider> above it.');
  return store;
}

/**
 * A part of the editor's state. The selector must return a value kept in the
 * snapshot (a field, or something derived only from primitives), never a
 * fresh object, or every read would look like a change.
 */
export function useEditor<T>(select: (s: EditorState) => T): T {
  const store = useEditorStore();
  const read = () => select(store.getSnapshot());
  return useSyncExternalStore(store.subscribe, read, read); // the same on a server render (tests render to text)
}

const whole = (s: EditorState) => s;

/** The whole snapshot: the component renders again after every change. */
export function useEditorState(): EditorState {
  return useEditor(whole);
}
