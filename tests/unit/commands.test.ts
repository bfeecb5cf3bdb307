/**
 * The command table (src/ui/editor/commands.ts): when each command is
 * enabled, which keys run it, and that the toolbar is drawn from it (a
 * server render of the Toolbar view, no DOM needed).
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { COMMANDS, chordOf, command, commandForKey, runKey, tooltip } from '../../src/ui/editor/commands.js';
import { createEditorStore, type EditorEnv, loadText } from '../../src/ui/editor/store.js';
import { Toolbar } from '../../src/ui/views/Toolbar.js';
import { EditorProvider } from '../../src/ui/views/useEditor.js';
import { toyProject } from './fixtures.js';

const env: EditorEnv = {
  download: () => undefined,
  scheduleAutosave: () => undefined,
  clearAutosave: () => undefined,
  exportScript: async () => '',
};
const toyStore = () => createEditorStore(loadText('toy.json', JSON.stringify(toyProject())), env);
const enabled = (id: string, store: ReturnType<typeof toyStore>) => command(id).enabled(store.getSnapshot());

describe('commands: enabled states', () => {
  it('undo is enabled when there is a step to undo, redo when there is one to redo', () => {
    const store = toyStore();
    expect([enabled('undo', store), enabled('redo', store)]).toEqual([false, false]);
    store.setParam('g1', 'units', 3);
    expect([enabled('undo', store), enabled('redo', store)]).toEqual([true, false]);
    command('undo').run(store);
    expect([enabled('undo', store), enabled('redo', store)]).toEqual([false, true]);
    expect(store.getSnapshot().doc!.models.generator!.nodes[1]!.params).toEqual({ units: 16 });
    command('redo').run(store);
    expect(store.getSnapshot().doc!.models.generator!.nodes[1]!.params).toEqual({ units: 3 });
  });

  it('copy needs a selection, paste a clipboard, group a selection outside the training graph', () => {
    const store = toyStore();
    expect(['copy', 'paste', 'group'].map((id) => enabled(id, store))).toEqual([false, false, false]);
    store.select(['g1']);
    expect(['copy', 'paste', 'group'].map((id) => enabled(id, store))).toEqual([true, false, true]);
    command('copy').run(store);
    expect(enabled('paste', store)).toBe(true);
    store.setTab('training');
    store.select(['G']);
    expect(enabled('group', store)).toBe(false);
    expect(enabled('copy', store)).toBe(true);
  });

  it('export needs a project without errors; save any parsed project; a read-only text allows neither edit', () => {
    const store = toyStore();
    expect([
      enabled('save', store),
      enabled('export-ts', store),
      enabled('export-pytorch', store),
      enabled('layout', store),
    ]).toEqual([true, true, true, true]);
    store.setParam('g2', 'units', 3); // a shape error
    expect([enabled('save', store), enabled('export-ts', store), enabled('export-pytorch', store)]).toEqual([
      true,
      false,
      false,
    ]);
    store.open('garbage.json', '{ oops');
    const ids = ['save', 'export-ts', 'layout', 'copy', 'paste', 'group'];
    expect(ids.filter((id) => enabled(id, store))).toEqual([]);
    expect(enabled('undo', store)).toBe(true); // opening is a step: undo goes back
  });

  it('train toggles the panel and says so through pressed', () => {
    const store = toyStore();
    const train = command('train');
    expect(train.pressed?.(store.getSnapshot())).toBe(false);
    train.run(store);
    expect(train.pressed?.(store.getSnapshot())).toBe(true);
  });
});

describe('commands: shortcuts', () => {
  it('maps key presses to chords the same way on every platform', () => {
    expect(chordOf({ key: 'z', ctrlKey: true })).toBe('Mod+Z');
    expect(chordOf({ key: 'z', metaKey: true })).toBe('Mod+Z');
    expect(chordOf({ key: 'Z', ctrlKey: true, shiftKey: true })).toBe('Mod+Shift+Z');
    expect(chordOf({ key: 'Delete' })).toBe('Delete');
  });

  it('finds the command of a chord', () => {
    const id = (e: Parameters<typeof commandForKey>[0]) => commandForKey(e)?.id;
    expect(id({ key: 'z', ctrlKey: true })).toBe('undo');
    expect(id({ key: 'z', metaKey: true })).toBe('undo');
    expect(id({ key: 'Z', ctrlKey: true, shiftKey: true })).toBe('redo');
    expect(id({ key: 'y', ctrlKey: true })).toBe('redo');
    expect(id({ key: 'c', ctrlKey: true })).toBe('copy');
    expect(id({ key: 'v', metaKey: true })).toBe('paste');
    expect(id({ key: 's', ctrlKey: true })).toBe('save');
    expect(id({ key: 'z' })).toBeUndefined();
    expect(id({ key: 'z', ctrlKey: true, altKey: true })).toBeUndefined();
  });

  it('gives every chord to one command only, and every command an id of its own', () => {
    const chords = COMMANDS.flatMap((c) => c.keys);
    expect(new Set(chords).size).toBe(chords.length);
    expect(new Set(COMMANDS.map((c) => c.id)).size).toBe(COMMANDS.length);
  });

  it('runs an enabled command from the keyboard and asks to prevent the default; a disabled one does nothing', () => {
    const store = toyStore();
    const before = store.getSnapshot();
    expect(runKey(store, { key: 'z', ctrlKey: true })).toBe(false); // nothing to undo
    expect(store.getSnapshot()).toBe(before);
    store.setParam('g1', 'units', 3);
    expect(runKey(store, { key: 'z', ctrlKey: true })).toBe(true);
    expect(store.getSnapshot().doc).toEqual(before.doc);
    expect(runKey(store, { key: 'y', ctrlKey: true })).toBe(true);
    expect(store.getSnapshot().doc!.models.generator!.nodes[1]!.params).toEqual({ units: 3 });
    // Copy lets the browser copy too (text selected on the page), and fills the editor's clipboard.
    store.select(['g1', 'g1a']);
    expect(runKey(store, { key: 'c', ctrlKey: true })).toBe(false);
    expect(store.getSnapshot().clipboard?.nodes).toHaveLength(2);
    expect(runKey(store, { key: 'v', ctrlKey: true })).toBe(true);
    expect(store.getSnapshot().past.at(-1)).toMatchObject({ kind: 'edit', step: { label: 'paste 2 node(s)' } });
  });

  it('writes the shortcut into the tooltip', () => {
    expect(tooltip(command('undo'))).toBe('Undo (Ctrl+Z)');
    expect(tooltip(command('redo'))).toBe('Redo (Ctrl+Shift+Z)');
    expect(tooltip(command('undo'), true)).toBe('Undo (⌘+Z)');
    expect(tooltip(command('group'))).toBe('Group the selected nodes into a reusable block');
  });
});

describe('the toolbar is drawn from the command table', () => {
  const buttons = (html: string) =>
    [...html.matchAll(/<button([^>]*)>([^<]*)<\/button>/g)].map(([, attrs, text]) => ({
      text,
      name: /aria-label="([^"]*)"/.exec(attrs!)?.[1] ?? text,
      disabled: /\sdisabled=""/.test(attrs!),
      pressed: /aria-pressed="([^"]*)"/.exec(attrs!)?.[1],
    }));

  it('one button per toolbar command, in table order, enabled as the table says', () => {
    const store = toyStore();
    store.setParam('g1', 'units', 3);
    const render = () =>
      buttons(renderToStaticMarkup(createElement(EditorProvider, { store, children: createElement(Toolbar) })));
    const toolbar = COMMANDS.filter((c) => c.toolbar);
    const drawn = render();
    expect(drawn.map((b) => b.text)).toEqual(toolbar.map((c) => c.label));
    expect(drawn.map((b) => b.name)).toEqual(toolbar.map((c) => c.name ?? c.label));
    expect(drawn.map((b) => b.disabled)).toEqual(toolbar.map((c) => !c.enabled(store.getSnapshot())));
    expect(drawn.find((b) => b.text === 'Undo')?.disabled).toBe(false);
    expect(drawn.find((b) => b.text === 'Redo')?.disabled).toBe(true);
    expect(drawn.find((b) => b.text === 'Train')?.pressed).toBe('false');
    store.undo();
    store.toggleTrain();
    const again = render();
    expect(again.find((b) => b.text === 'Undo')?.disabled).toBe(true);
    expect(again.find((b) => b.text === 'Redo')?.disabled).toBe(false);
    expect(again.find((b) => b.text === 'Train')?.pressed).toBe('true');
  });
});
