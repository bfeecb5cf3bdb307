/**
 * The editor's commands, in one table: each has its label, its accessible
 * name, its keyboard shortcuts, when it is enabled and what it does. The
 * toolbar draws its buttons from this table and the keyboard handler looks
 * shortcuts up in it, so Undo is defined once: "Undo", Ctrl+Z, enabled when
 * there is a step to undo. No React, no DOM.
 */
import { type EditorState, type EditorStore, errorCount } from './store.js';

/** A key chord, written `Mod+Shift+Z`: Mod is Ctrl (Cmd on a Mac); the key is upper-case. */
export type Chord = string;

export interface Command {
  readonly id: string;
  /** The button's text. */
  readonly label: string;
  /** The accessible name (aria-label), when it differs from the label. */
  readonly name?: string;
  /** A longer description, shown as a tooltip (the shortcut is added to it). */
  readonly title?: string;
  readonly keys: readonly Chord[];
  /** Shown in the toolbar (copy and paste are keyboard-only). */
  readonly toolbar: boolean;
  /** Let the browser's own handling of the key happen too (copy: text selected on the page is still copied). */
  readonly keepDefault?: boolean;
  enabled(s: EditorState): boolean;
  /** A toggle's state (aria-pressed); undefined for plain commands. */
  pressed?(s: EditorState): boolean;
  run(store: EditorStore): unknown;
}

const editable = (s: EditorState) => s.doc !== undefined;

export const COMMANDS: readonly Command[] = [
  {
    id: 'templates',
    label: 'New…',
    name: 'New project…',
    title: 'Start a new project, or open one of the templates',
    keys: [],
    toolbar: true,
    enabled: () => true,
    pressed: (s) => s.dialog === 'templates',
    run: (store) => store.toggleDialog('templates'),
  },
  {
    id: 'save',
    label: 'Save',
    name: 'Save project',
    keys: ['Mod+S'],
    toolbar: true,
    enabled: (s) => s.analysis.project !== undefined,
    run: (store) => store.save(),
  },
  {
    id: 'export-ts',
    label: 'TS',
    name: 'Export TS',
    title: 'Export a standalone TypeScript training script (same as npx ganvas export project.json --target ts)',
    keys: [],
    toolbar: true,
    enabled: (s) => s.analysis.project !== undefined && errorCount(s) === 0,
    run: (store) => store.exportTs(),
  },
  {
    id: 'export-pytorch',
    label: 'PyTorch',
    name: 'Export PyTorch',
    title:
      'Export train.py, a PyTorch training script for python3 or torchrun (same as npx ganvas export project.json --target pytorch --out DIR)',
    keys: [],
    toolbar: true,
    enabled: (s) => s.analysis.project !== undefined && errorCount(s) === 0,
    run: (store) => store.exportPyTorch(),
  },
  {
    id: 'undo',
    label: 'Undo',
    keys: ['Mod+Z'],
    toolbar: true,
    enabled: (s) => s.past.length > 0,
    run: (store) => store.undo(),
  },
  {
    id: 'redo',
    label: 'Redo',
    keys: ['Mod+Shift+Z', 'Mod+Y'],
    toolbar: true,
    enabled: (s) => s.future.length > 0,
    run: (store) => store.redo(),
  },
  {
    id: 'layout',
    label: 'Layout',
    name: 'Auto-layout',
    title: 'Arrange the graph in columns by depth',
    keys: [],
    toolbar: true,
    enabled: editable,
    run: (store) => store.autoLayout(),
  },
  {
    id: 'group',
    label: 'Group',
    name: 'Group into block',
    title: 'Group the selected nodes into a reusable block',
    keys: [],
    toolbar: true,
    enabled: (s) => editable(s) && s.tab !== 'training' && s.selection.length > 0,
    run: (store) => store.groupSelection(),
  },
  {
    id: 'train',
    label: 'Train',
    name: 'Training panel',
    keys: [],
    toolbar: true,
    enabled: () => true,
    pressed: (s) => s.trainOpen,
    run: (store) => store.toggleTrain(),
  },
  {
    id: 'help',
    label: '?',
    name: 'Keyboard shortcuts',
    keys: ['?'],
    toolbar: true,
    enabled: () => true,
    pressed: (s) => s.dialog === 'help',
    run: (store) => store.toggleDialog('help'),
  },
  {
    id: 'copy',
    label: 'Copy',
    keys: ['Mod+C'],
    toolbar: false,
    keepDefault: true,
    enabled: (s) => editable(s) && s.selection.length > 0,
    run: (store) => store.copy(),
  },
  {
    id: 'paste',
    label: 'Paste',
    keys: ['Mod+V'],
    toolbar: false,
    enabled: (s) => editable(s) && s.clipboard !== undefined,
    run: (store) => store.paste(),
  },
];

export function command(id: string): Command {
  const c = COMMANDS.find((x) => x.id === id);
  if (!c) throw new Error(`No command '${id}'.`);
  return c;
}

/** The parts of a keyboard event a chord is made of. */
export interface KeyPress {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  shiftKey?: boolean;
  altKey?: boolean;
}

/**
 * The chord a key press makes: Ctrl+Shift+z and Cmd+Shift+Z are both `Mod+Shift+Z`. A punctuation key
 * is its character, whatever Shift it took to type it on this keyboard: "?" is `?`, not `Shift+?`.
 */
export function chordOf(e: KeyPress): Chord {
  const key = e.key.length === 1 ? e.key.toUpperCase() : e.key;
  const typed = key.length === 1 && !/[A-Z0-9]/.test(key);
  const mods = [e.ctrlKey || e.metaKey ? 'Mod' : '', e.altKey ? 'Alt' : '', e.shiftKey && !typed ? 'Shift' : ''];
  return [...mods, key].filter(Boolean).join('+');
}

/** The command a key press runs, if any (enabled or not). */
export function commandForKey(e: KeyPress, commands: readonly Command[] = COMMANDS): Command | undefined {
  const chord = chordOf(e);
  return commands.find((c) => c.keys.includes(chord));
}

/** A chord as a person reads it: `Ctrl+Shift+Z` (`⌘+Shift+Z` on a Mac). */
export function shortcutText(chord: Chord, mac = false): string {
  return chord.replace(/^Mod(?=\+)/, mac ? '⌘' : 'Ctrl');
}

/** The tooltip: the description (or label) and the first shortcut, "Undo (Ctrl+Z)". */
export function tooltip(c: Command, mac = false): string {
  const text = c.title ?? c.label;
  const first = c.keys[0];
  return first ? `${text} (${shortcutText(first, mac)})` : text;
}

/**
 * Handles a key press: runs its command when it is enabled. Returns whether
 * the browser's default action should be prevented.
 */
export function runKey(store: EditorStore, e: KeyPress): boolean {
  const c = commandForKey(e);
  if (!c || !c.enabled(store.getSnapshot())) return false;
  void c.run(store);
  return !c.keepDefault;
}
