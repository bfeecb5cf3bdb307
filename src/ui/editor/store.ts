/**
 * The editor's state, outside React: the open document, its undo history,
 * its analysis (problems, shapes, parameter counts), the open tab, the
 * selection and the clipboard. Every change makes a new frozen snapshot;
 * React views read it with useSyncExternalStore (views/useEditor.ts), and
 * act through the actions here. No React, no DOM: the platform (downloads,
 * autosave, the lazily loaded exporter) comes in as an `EditorEnv`.
 */
import { freeze } from 'immer';
import type { Diagnostic } from '../../core/diagnostics.js';
import { importKerasTopology } from '../../core/import/index.js';
import { getNodeDef } from '../../core/nodes/index.js';
import { reanalyzeParamEdit } from '../../core/shapes/index.js';
import {
  type ProjectAnalysis,
  validateProjectBytes,
  validateProjectText,
  validateProjectValue,
} from '../../core/validate.js';
import type { DocEdge, DocNode, GraphRef } from '../store/edits.js';
import * as edits from '../store/edits.js';
import { type Edit, type ProjectDoc, recordEdit, replayStep, revertStep, type Step } from '../store/history.js';
import { badName, renameModel, renameNode } from './rename.js';

/** A document as opened: its file name, the editable JSON (none when read-only) and its analysis. */
export interface Opened {
  readonly file: string;
  /** The editable document; undefined when the text is not a structurally valid project (read-only). */
  readonly doc: ProjectDoc | undefined;
  readonly analysis: ProjectAnalysis;
}

/** One undoable step: an edit of the document (immer patches), or opening another document in its place. */
export type HistoryStep =
  | { readonly kind: 'edit'; readonly step: Step }
  | { readonly kind: 'open'; readonly label: string; readonly before: Opened; readonly after: Opened };

export interface Clipboard {
  readonly nodes: readonly DocNode[];
  readonly edges: readonly DocEdge[];
}

export interface EditorState extends Opened {
  readonly past: readonly HistoryStep[];
  readonly future: readonly HistoryStep[];
  /** The graphs that can be shown: models, then `block:<name>`, then `training`. */
  readonly tabs: readonly string[];
  /** The graph shown: one of `tabs` ('' when there is none). */
  readonly tab: string;
  /** Ids of the selected nodes, all in the graph shown. */
  readonly selection: readonly string[];
  readonly clipboard: Clipboard | undefined;
  /** The name the next "group into block" gives its block. */
  readonly blockName: string;
  readonly trainOpen: boolean;
  /** A message for the person (a failed import or export), shown until the next one or until dismissed. */
  readonly notice: string | undefined;
  /** When the document was restored from the autosave of an earlier session (ISO time). */
  readonly restoredAt: string | undefined;
  /** The restored work after "Discard", kept so that "Restore" can bring it back. */
  readonly discarded: Discarded | undefined;
  /** A file refused by Open or a drop (not a project), with its located diagnostics; the document is untouched. */
  readonly refused: { readonly file: string; readonly diagnostics: readonly Diagnostic[] } | undefined;
  /** The dialog shown over the editor: the keyboard shortcuts or the template list. */
  readonly dialog: 'help' | 'templates' | undefined;
}

export interface Discarded {
  readonly file: string;
  readonly doc: ProjectDoc;
  readonly savedAt: string;
}

export interface EditorEnv {
  /** Offers a file for download. */
  download(name: string, text: string, mime: string): void;
  /** Writes the document a moment later (autosave), and forgets it (after opening another). */
  scheduleAutosave(file: string, doc: ProjectDoc): void;
  clearAutosave(): void;
  /** The standalone training script of a valid project: TypeScript (the default) or PyTorch's train.py. */
  exportScript(analysis: ProjectAnalysis, target?: 'ts' | 'pytorch'): Promise<string>;
}

export type Listener = () => void;

const HISTORY_LIMIT = 500;

/** A file's text: an editable document when it is a structurally valid project, else read-only with its errors. */
/** Diagnostics that make a file unfit to open at all (its text would not be what the file says). */
const REFUSED_CODES: ReadonlySet<string> = new Set(['ENCODING', 'FORBIDDEN_KEY', 'LIMIT']);

export function loadText(file: string, text: string): Opened {
  const analysis = validateProjectText(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const editable = analysis.project !== undefined && typeof value === 'object' && value !== null;
  return { file, doc: editable ? freeze(value as ProjectDoc, true) : undefined, analysis };
}

/** The graph a tab shows. */
export function refOf(tab: string): GraphRef {
  if (tab === 'training') return { kind: 'training' };
  if (tab.startsWith('block:')) return { kind: 'block', name: tab.slice(6) };
  return { kind: 'model', name: tab };
}

export function tabsOf(analysis: ProjectAnalysis): string[] {
  const p = analysis.project;
  if (!p) return [];
  const blocks = Object.keys(p.blocks ?? {}).map((b) => `block:${b}`);
  return [...Object.keys(p.models), ...blocks, ...(p.training ? ['training'] : [])];
}

/** The graph shown, as the editable document has it (undefined when read-only). */
export function activeGraph(s: EditorState): ReturnType<typeof edits.graphOf> {
  return s.doc ? edits.graphOf(s.doc, refOf(s.tab)) : undefined;
}

/** The one selected node, when exactly one is. */
export function selectedNode(s: EditorState): DocNode | undefined {
  if (s.selection.length !== 1) return undefined;
  return activeGraph(s)?.nodes.find((n) => n.id === s.selection[0]);
}

export function errorCount(s: EditorState): number {
  return s.analysis.diagnostics.filter((d) => d.severity === 'error').length;
}

export function warningCount(s: EditorState): number {
  return s.analysis.diagnostics.filter((d) => d.severity === 'warning').length;
}

/** "2 errors, 1 warning", "1 warning", "no problems": the one count the header and the Problems list show. */
export function countText(errors: number, warnings: number): string {
  const part = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const parts = [errors ? part(errors, 'error') : '', warnings ? part(warnings, 'warning') : ''].filter(Boolean);
  return parts.join(', ') || 'no problems';
}

/** Node ids of the graph shown (from the parsed project when the document is read-only). */
function nodeIds(s: Pick<EditorState, 'doc' | 'analysis' | 'tab'>): Set<string> {
  // A parsed Project has the same graph layout as the document it came from.
  const source = s.doc ?? (s.analysis.project as ProjectDoc | undefined);
  const g = source ? edits.graphOf(source, refOf(s.tab)) : undefined;
  return new Set(g?.nodes.map((n) => n.id) ?? []);
}

/** Brings tab and selection in line with the document: the tab exists, the selection holds only its nodes. */
function settle(s: Omit<EditorState, 'tabs'> & { tabs?: readonly string[] }): EditorState {
  const tabs = tabsOf(s.analysis);
  const tab = tabs.includes(s.tab) ? s.tab : (tabs[0] ?? '');
  const ids = nodeIds({ ...s, tab });
  const selection = tab === s.tab ? s.selection.filter((id) => ids.has(id)) : [];
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  return Object.freeze({
    ...s,
    tabs: Object.freeze(s.tabs && same(s.tabs, tabs) ? s.tabs : tabs),
    tab,
    selection: Object.freeze(same(selection, s.selection) ? s.selection : selection),
    past: Object.freeze(s.past),
    future: Object.freeze(s.future),
  });
}

export type EditorStore = ReturnType<typeof createEditorStore>;

export function createEditorStore(initial: Opened | undefined, env: EditorEnv) {
  const nothing: ProjectAnalysis = { diagnostics: [], status: 'unreadable', models: new Map() };
  const empty: Opened = { file: '', doc: undefined, analysis: nothing };
  let state: EditorState = settle({
    ...(initial ?? empty),
    past: [],
    future: [],
    tab: '',
    selection: [],
    clipboard: undefined,
    blockName: 'block',
    trainOpen: false,
    notice: undefined,
    restoredAt: undefined,
    discarded: undefined,
    refused: undefined,
    dialog: undefined,
  });
  const listeners = new Set<Listener>();

  function set(patch: Partial<EditorState>): void {
    state = settle({ ...state, ...patch });
    for (const l of [...listeners]) l();
  }

  const pushed = (step: HistoryStep): readonly HistoryStep[] =>
    [...state.past, Object.freeze(step)].slice(-HISTORY_LIMIT);

  /** Applies an edit to the document as one undoable step and re-analyses it; false when nothing changed. */
  function edit(label: string, fn: Edit, paramEdit?: { model: string; nodeId: string }): boolean {
    const { doc, file } = state;
    if (!doc) return false;
    const r = recordEdit(doc, label, fn);
    if (!r) return false;
    // A layer's params: re-infer only what the edit reaches; anything else: validate the whole project.
    const model = paramEdit ? edits.graphOf(r.doc, { kind: 'model', name: paramEdit.model }) : undefined;
    const raw = model?.nodes.find((n) => n.id === paramEdit?.nodeId)?.params;
    const analysis =
      (paramEdit && raw && reanalyzeParamEdit(state.analysis, paramEdit.model, paramEdit.nodeId, raw)) ||
      validateProjectValue(r.doc);
    set({ doc: r.doc, analysis, past: pushed({ kind: 'edit', step: r.step }), future: [] });
    env.scheduleAutosave(file, r.doc);
    return true;
  }

  function travel(from: 'past' | 'future'): boolean {
    const stack = state[from];
    const step = stack[stack.length - 1];
    if (!step) return false;
    const rest = stack.slice(0, -1);
    const other = [...(from === 'past' ? state.future : state.past), step];
    const moved = from === 'past' ? { past: rest, future: other } : { past: other, future: rest };
    if (step.kind === 'open') {
      set({ ...(from === 'past' ? step.before : step.after), ...moved });
    } else {
      if (!state.doc) return false; // cannot happen: an edit step always follows an editable document
      const doc = from === 'past' ? revertStep(state.doc, step.step) : replayStep(state.doc, step.step);
      set({ doc, analysis: validateProjectValue(doc), ...moved });
    }
    if (state.doc) env.scheduleAutosave(state.file, state.doc);
    return true;
  }

  /** The graph shown, as the edits name it. */
  const ref = (): GraphRef => refOf(state.tab);

  /** Downloads the project's training script for a target; an export that fails shows its message. */
  async function exportTo(target: 'ts' | 'pytorch'): Promise<boolean> {
    const { analysis, file } = state;
    try {
      const text = await env.exportScript(analysis, target);
      const base = file.replace(/\.json$/i, '').replace(/[^A-Za-z0-9_-]/g, '_');
      if (target === 'ts') env.download(`${base}.train.ts`, text, 'text/typescript');
      else env.download('train.py', text, 'text/x-python');
      set({ notice: undefined });
      return true;
    } catch (e) {
      set({ notice: `Export: ${(e as Error).message}` });
      return false;
    }
  }

  const store = {
    getSnapshot: (): EditorState => state,
    subscribe(listener: Listener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    edit,
    undo: () => travel('past'),
    redo: () => travel('future'),

    /** Opens a file's text in place of the document, as one undoable step; the autosave is forgotten. */
    open(file: string, text: string): void {
      const next = loadText(file, text);
      const before: Opened = { file: state.file, doc: state.doc, analysis: state.analysis };
      const step: HistoryStep = { kind: 'open', label: `open ${file}`, before, after: next };
      const forget = { notice: undefined, restoredAt: undefined, discarded: undefined };
      set({ ...next, past: pushed(step), future: [], selection: [], ...forget });
      env.clearAutosave();
    },
    /**
     * Opens a file a person chose or dropped. A text that is not a project (not JSON, not the
     * project's structure) is refused with its located diagnostics and the document stays as it was.
     */
    openFile(file: string, text: string): boolean {
      const next = loadText(file, text);
      if (!next.doc) {
        set({ refused: { file, diagnostics: next.analysis.diagnostics } });
        return false;
      }
      store.open(file, text);
      set({ refused: undefined });
      return true;
    },
    /**
     * Opens a file's bytes: refused, with its located diagnostics and the open project untouched, when it is
     * not a project, is not UTF-8, is over a limit or holds keys JavaScript would drop (hostile input).
     */
    openBytes(file: string, bytes: Uint8Array): boolean {
      const checked = validateProjectBytes(bytes);
      if (checked.status === 'unreadable' || checked.diagnostics.some((d) => REFUSED_CODES.has(d.code))) {
        set({ refused: { file, diagnostics: checked.diagnostics.filter((d) => d.severity === 'error') } });
        return false;
      }
      return store.openFile(file, new TextDecoder().decode(bytes));
    },
    dismissRefused: (): void => set({ refused: undefined }),
    /** Takes the autosaved document of an earlier session as the starting point (no undo step). */
    restore(file: string, doc: unknown, savedAt: string): void {
      set({ ...loadText(file, JSON.stringify(doc)), past: [], future: [], selection: [], restoredAt: savedAt });
    },
    /** Keeps the restored work and closes its banner. */
    keepRestored: (): void => set({ restoredAt: undefined, discarded: undefined }),
    /** Opens `file` in place of the restored work, as an undoable step; the work stays at hand for "Restore". */
    discardRestored(file: string, text: string): void {
      const { doc, restoredAt } = state;
      const kept = doc && restoredAt ? { file: state.file, doc, savedAt: restoredAt } : undefined;
      store.open(file, text);
      set({ discarded: kept });
    },
    /** Brings the discarded work back (one undoable step) and autosaves it again. */
    restoreDiscarded(): boolean {
      const d = state.discarded;
      if (!d) return false;
      store.open(d.file, JSON.stringify(d.doc));
      set({ discarded: undefined });
      if (state.doc) env.scheduleAutosave(state.file, state.doc);
      return true;
    },

    setTab(tab: string): void {
      if (tab !== state.tab && state.tabs.includes(tab)) set({ tab, selection: [] });
    },
    /** Opens a model's tab (a ModelCall node's "open"); false when the project has no such model. */
    openModel(name: string): boolean {
      if (!state.tabs.includes(name) || refOf(name).kind !== 'model') return false;
      store.setTab(name);
      return true;
    },
    /** Selects nodes of the graph shown; ids it does not have are dropped. */
    select(ids: readonly string[]): void {
      const unique = [...new Set(ids)];
      if (unique.length === state.selection.length && unique.every((id, i) => id === state.selection[i])) return;
      set({ selection: unique });
    },
    setBlockName: (blockName: string): void => set({ blockName }),
    toggleTrain: (): void => set({ trainOpen: !state.trainOpen }),
    /** Shows a dialog, or closes it when it is the one shown. */
    toggleDialog: (dialog: 'help' | 'templates'): void => set({ dialog: state.dialog === dialog ? undefined : dialog }),
    closeDialog: (): void => set({ dialog: undefined }),
    setNotice: (notice: string | undefined): void => set({ notice }),

    copy(): boolean {
      const g = activeGraph(state);
      if (!g || state.selection.length === 0) return false;
      const inside = new Set(state.selection);
      const clipboard: Clipboard = freeze(
        {
          nodes: g.nodes.filter((n) => inside.has(n.id)),
          edges: (g.edges ?? []).filter((e) => inside.has(e.source) && inside.has(e.target)),
        },
        true,
      );
      set({ clipboard });
      return true;
    },
    paste(): boolean {
      const c = state.clipboard;
      if (!c) return false;
      return edit(`paste ${c.nodes.length} node(s)`, edits.paste(ref(), [...c.nodes], [...c.edges]));
    },

    /** Adds a node at a point of the graph shown, as one step, and selects it (its inspector shows). */
    addNode(type: string, at: { x: number; y: number }): boolean {
      const g = activeGraph(state);
      if (!g) return false;
      const id = edits.freshId(g as never, type);
      const position = { x: Math.round(at.x), y: Math.round(at.y) };
      if (!edit(`add ${type}`, edits.addNode(ref(), type, position, id))) return false;
      set({ selection: [id] });
      return true;
    },
    /** Adds a node where a wire was dropped and connects the wire to its first input, as one step. */
    addNodeOnWire(type: string, at: { x: number; y: number }, source: string, sourcePort: string): boolean {
      const g = activeGraph(state);
      if (!g) return false;
      const r = ref();
      const id = edits.freshId(g as never, type);
      const def = getNodeDef(type);
      const port = def ? (def.inputs(def.params.parse({}))[0]?.name ?? 'in') : 'in';
      return edit(`add ${type} on the wire`, (d) => {
        edits.addNode(r, type, { x: Math.round(at.x), y: Math.round(at.y) }, id)(d);
        edits.connect(r, source, sourcePort, id, port)(d);
      });
    },
    setParam(nodeId: string, key: string, value: unknown): boolean {
      const r = ref();
      const paramEdit = r.kind === 'model' ? { model: r.name, nodeId } : undefined;
      return edit(`set ${nodeId}.${key}`, edits.setParam(r, nodeId, key, value), paramEdit);
    },
    /** Switches a training Dataset node to other params (the training panel's data picker). */
    setDataset(nodeId: string, params: Record<string, unknown> & { source: string }): boolean {
      const label = `set dataset ${nodeId} to ${params.source}`;
      return edit(label, edits.replaceParams({ kind: 'training' }, nodeId, params));
    },
    moveNodes(positions: Record<string, { x: number; y: number }>): boolean {
      return edit('move', edits.moveNodes(ref(), positions));
    },
    connect(source: string, sourcePort: string, target: string, targetPort: string): boolean {
      return edit('connect', edits.connect(ref(), source, sourcePort, target, targetPort));
    },
    /** Moves an edge's end: the old edge (by index) goes and the new one comes, as one step. */
    reconnect(edgeIndex: number, source: string, sourcePort: string, target: string, targetPort: string): boolean {
      const r = ref();
      return edit('reconnect', (d) => {
        edits.removeEdges(r, [edgeIndex])(d);
        edits.connect(r, source, sourcePort, target, targetPort)(d);
      });
    },
    /** Deletes nodes (with their edges) or, when no node is given, edges by index: one step. */
    remove(nodeIds: readonly string[], edgeIndices: readonly number[] = []): boolean {
      if (nodeIds.length > 0) return edit(`delete ${nodeIds.length} node(s)`, edits.removeNodes(ref(), [...nodeIds]));
      if (edgeIndices.length > 0) return edit('delete edge(s)', edits.removeEdges(ref(), [...edgeIndices]));
      return false;
    },
    /** Deletes one edge of a graph by index (the fix a dangling edge's diagnostic offers), and shows that graph. */
    removeEdgeOf(tab: string, index: number): boolean {
      if (!state.tabs.includes(tab)) return false;
      if (tab !== state.tab) set({ tab, selection: [] });
      return edit('delete edge(s)', edits.removeEdges(refOf(tab), [index]));
    },
    /** Why `to` cannot be the new id of node `from` in the graph shown (undefined when it can). */
    nodeIdProblem(from: string, to: string): string | undefined {
      const g = activeGraph(state);
      return g
        ? badName(
            to,
            g.nodes.filter((n) => n.id !== from).map((n) => n.id),
            'node id',
          )
        : 'Nothing to rename.';
    },
    /** Renames a node of the graph shown and every reference to it, as one step; the node stays selected. */
    renameNode(from: string, to: string): boolean {
      if (from === to || store.nodeIdProblem(from, to)) return false;
      const selection = state.selection.map((id) => (id === from ? to : id));
      if (!edit(`rename ${from} to ${to}`, renameNode(ref(), from, to))) return false;
      set({ selection });
      return true;
    },
    modelNameProblem(from: string, to: string): string | undefined {
      const models = Object.keys(state.doc?.models ?? {});
      if (!models.includes(from)) return `The project has no model '${from}'.`;
      return badName(
        to,
        models.filter((m) => m !== from),
        'model',
      );
    },
    /** Renames a model and every training node that refers to it, as one step. */
    renameModel(from: string, to: string): boolean {
      if (from === to || store.modelNameProblem(from, to)) return false;
      return edit(`rename model ${from} to ${to}`, renameModel(from, to));
    },
    autoLayout: (): boolean => edit('auto-layout', edits.autoLayout(ref())),
    /** Groups the selected nodes into a block named `blockName`; the selection is then the new Block node's. */
    groupSelection(): boolean {
      const { selection, blockName } = state;
      const r = ref();
      if (r.kind === 'training') return false;
      if (selection.length === 0) {
        set({ notice: 'Group: select the nodes to group first.' });
        return false;
      }
      const label = `group ${selection.length} node(s) into ${blockName}`;
      const ok = edit(label, edits.groupIntoBlock(r, [...selection], blockName));
      if (ok) set({ selection: [] });
      else set({ notice: `Group: '${blockName}' is not a free block name (a letter, then letters, digits or _).` });
      return ok;
    },
    /** Adds an imported Keras / TF.js model.json topology as a model, and shows it. */
    importModel(fileName: string, text: string): boolean {
      if (!state.doc) return false;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (e) {
        set({ notice: `${fileName}: not JSON (${(e as Error).message}).` });
        return false;
      }
      const name = fileName.replace(/\.json$/i, '').replace(/^model$/, 'imported');
      const { graph, diagnostics } = importKerasTopology(json, name);
      if (!graph) {
        set({ notice: `${fileName}: ${diagnostics.map((d) => d.message).join(' ')}` });
        return false;
      }
      const before = new Set(Object.keys(state.doc.models));
      if (!edit(`import ${fileName}`, edits.addModel(name, graph))) return false;
      const added = Object.keys(state.doc.models).find((m) => !before.has(m));
      set({ notice: undefined, ...(added ? { tab: added, selection: [] } : {}) });
      return true;
    },

    /** Downloads the project as parsed (defaults filled in, same meaning as the file it came from). */
    save(): boolean {
      const { analysis, file } = state;
      if (!analysis.project) return false;
      const text = `${JSON.stringify(analysis.project, null, 2)}\n`;
      env.download(file.endsWith('.json') ? file : `${file}.json`, text, 'application/json');
      return true;
    },
    /** Downloads the standalone TypeScript training script (the same as `ganvas export --target ts`). */
    exportTs(): Promise<boolean> {
      return exportTo('ts');
    },
    /** Downloads train.py (the same as `ganvas export --target pytorch`). */
    exportPyTorch(): Promise<boolean> {
      return exportTo('pytorch');
    },
  };
  return store;
}
