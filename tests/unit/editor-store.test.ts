/**
 * The editor store (src/ui/editor/store.ts), in Node without a DOM: every
 * edit is one undo step, opening a file is one too, the selection only ever
 * names nodes of the graph shown, snapshots are immutable, and the analysis
 * follows the document (incrementally for a param, fully otherwise).
 */
import { describe, expect, it } from 'vitest';
import { formatLocation } from '../../src/core/diagnostics.js';
import { validateProjectValue } from '../../src/core/validate.js';
import {
  activeGraph,
  createEditorStore,
  type EditorEnv,
  type EditorState,
  type EditorStore,
  loadText,
  selectedNode,
} from '../../src/ui/editor/store.js';
import { toyProject } from './fixtures.js';

const json = (x: unknown) => JSON.parse(JSON.stringify(x));

function fakeEnv(exportScript: EditorEnv['exportScript'] = async () => '// script\n') {
  const log = {
    downloads: [] as { name: string; text: string; mime: string }[],
    autosaves: [] as { file: string; doc: unknown }[],
    cleared: 0,
  };
  const env: EditorEnv = {
    download: (name, text, mime) => log.downloads.push({ name, text, mime }),
    scheduleAutosave: (file, doc) => log.autosaves.push({ file, doc }),
    clearAutosave: () => void log.cleared++,
    exportScript,
  };
  return { env, log };
}

function toyStore(exportScript?: EditorEnv['exportScript']) {
  const { env, log } = fakeEnv(exportScript);
  const store = createEditorStore(loadText('toy.json', JSON.stringify(toyProject())), env);
  return { store, log };
}

const ids = (s: EditorState) => activeGraph(s)?.nodes.map((n) => n.id) ?? [];

/** The invariants every snapshot keeps. */
function checkInvariants(s: EditorState): void {
  expect(s.tabs.includes(s.tab) || (s.tabs.length === 0 && s.tab === '')).toBe(true);
  const present = new Set(ids(s));
  for (const id of s.selection) expect(present.has(id), `selected ${id} is in ${s.tab}`).toBe(true);
  expect(new Set(s.selection).size).toBe(s.selection.length);
  expect(Object.isFrozen(s)).toBe(true);
}

describe('editor store: edits and undo', () => {
  it('opens a document with its tabs, the first model shown, nothing selected and nothing to undo', () => {
    const { store } = toyStore();
    const s = store.getSnapshot();
    expect(s.file).toBe('toy.json');
    expect(s.tabs).toEqual(['generator', 'discriminator', 'training']);
    expect(s.tab).toBe('generator');
    expect(s.selection).toEqual([]);
    expect(s.past).toEqual([]);
    expect(s.analysis.status).toBe('ok');
  });

  it('makes every kind of edit one undo step: undo restores the document and its analysis, redo replays it', () => {
    const { store } = toyStore();
    const actions: [string, (st: EditorStore) => boolean][] = [
      ['add', (st) => st.addNode('Dense', { x: 10.4, y: 20.6 })],
      ['connect', (st) => st.connect('g1a', 'out', 'dense_1', 'in')],
      ['param', (st) => st.setParam('dense_1', 'units', 7)],
      ['move', (st) => st.moveNodes({ z: { x: 5, y: 6 }, g1: { x: 7, y: 8 } })],
      ['reconnect', (st) => st.reconnect(3, 'g1a', 'out', 'sample', 'in')],
      ['delete edge', (st) => st.remove([], [0])],
      ['delete nodes', (st) => st.remove(['dense_1', 'g2'])],
      ['layout', (st) => st.autoLayout()],
      ['wire drop', (st) => st.addNodeOnWire('Dense', { x: 1, y: 2 }, 'g1a', 'out')],
      ['group', (st) => (st.select(['g1', 'g1a']), st.groupSelection())],
      ['import', (st) => st.importModel('scorer.json', JSON.stringify(keras()))],
      ['dataset', (st) => st.setDataset('data', { source: 'grid' })],
    ];
    const docs = [json(store.getSnapshot().doc)];
    for (const [label, act] of actions) {
      const before = store.getSnapshot();
      expect(act(store), label).toBe(true);
      const after = store.getSnapshot();
      expect(after.past.length, label).toBe(before.past.length + 1);
      expect(after.future, label).toEqual([]);
      expect(json(after.doc), label).not.toEqual(json(before.doc));
      // The analysis is the document's, not a stale one.
      const full = validateProjectValue(after.doc);
      expect(
        after.analysis.diagnostics.map((d) => d.code),
        label,
      ).toEqual(full.diagnostics.map((d) => d.code));
      docs.push(json(after.doc));
      checkInvariants(after);
    }
    const added = docs[1].models.generator.nodes.at(-1);
    expect(added).toMatchObject({ id: 'dense_1', type: 'Dense', position: { x: 10, y: 21 } });
    expect(Object.keys(docs.at(-2).models)).toContain('scorer');
    expect(docs.at(-1).training.nodes.find((n: { id: string }) => n.id === 'data').params).toEqual({ source: 'grid' });
    for (let i = actions.length - 1; i >= 0; i--) {
      expect(store.undo()).toBe(true);
      const s = store.getSnapshot();
      expect(json(s.doc), `undo ${actions[i]![0]}`).toEqual(docs[i]);
      expect(s.analysis.status).toBe(validateProjectValue(s.doc).status);
      checkInvariants(s);
    }
    expect(store.undo()).toBe(false);
    expect(json(store.getSnapshot().doc)).toEqual(json(toyProject()));
    for (let i = 1; i <= actions.length; i++) {
      expect(store.redo()).toBe(true);
      expect(json(store.getSnapshot().doc)).toEqual(docs[i]);
    }
    expect(store.redo()).toBe(false);
  });

  it('records nothing for an edit that changes nothing, and a new edit clears the redo stack', () => {
    const { store } = toyStore();
    expect(store.setParam('g1', 'units', 16)).toBe(false); // already 16
    expect(store.moveNodes({ nobody: { x: 1, y: 1 } })).toBe(false);
    expect(store.getSnapshot().past).toHaveLength(0);
    store.setParam('g1', 'units', 5);
    store.undo();
    expect(store.getSnapshot().future).toHaveLength(1);
    store.setParam('g1', 'units', 6);
    expect(store.getSnapshot().future).toHaveLength(0);
  });

  it('re-infers a param edit incrementally with the same result as validating the whole project', () => {
    const { store } = toyStore();
    store.setParam('g2', 'units', 3);
    const s = store.getSnapshot();
    const full = validateProjectValue(s.doc);
    expect(s.analysis.diagnostics.map((d) => d.code)).toContain('MODEL_MISMATCH');
    const where = (ds: typeof full.diagnostics) => ds.map((d) => [d.code, d.location.nodeId]);
    expect(where(s.analysis.diagnostics)).toEqual(where(full.diagnostics));
    expect(s.analysis.models.get('generator')!.totals).toEqual(full.models.get('generator')!.totals);
    store.undo();
    expect(store.getSnapshot().analysis.status).toBe('ok');
  });

  it('autosaves the document after an edit, an undo and a redo', () => {
    const { store, log } = toyStore();
    store.setParam('z', 'dim', 8);
    store.undo();
    store.redo();
    const dims = log.autosaves.map((a) => (a.doc as ReturnType<typeof toyProject>).models.generator!.nodes[0]!.params);
    expect(dims).toEqual([{ dim: 8 }, { dim: 4 }, { dim: 8 }]);
    expect(log.autosaves.every((a) => a.file === 'toy.json')).toBe(true);
  });
});

describe('editor store: open', () => {
  it('is an edit: undo brings the previous document back with its file, tab and analysis; redo opens again', () => {
    const { store, log } = toyStore();
    store.setParam('g1', 'units', 9);
    store.setTab('discriminator');
    const edited = store.getSnapshot();
    const other = toyProject();
    other.name = 'other';
    delete (other.models as Record<string, unknown>).discriminator;
    other.models.critic = toyProject().models.discriminator!;
    store.open('other.json', JSON.stringify(other));
    let s = store.getSnapshot();
    expect(s.file).toBe('other.json');
    expect(s.past).toHaveLength(2);
    expect(s.tabs).toEqual(['generator', 'critic', 'training']);
    expect(s.tab).toBe('generator'); // 'discriminator' is gone
    expect(log.cleared).toBe(1); // the autosave belonged to the document replaced
    store.undo();
    s = store.getSnapshot();
    expect(s.file).toBe('toy.json');
    expect(s.doc).toBe(edited.doc);
    expect(s.analysis).toBe(edited.analysis);
    store.undo();
    expect(json(store.getSnapshot().doc)).toEqual(json(toyProject()));
    store.redo();
    store.redo();
    expect(store.getSnapshot().file).toBe('other.json');
    expect(store.getSnapshot().analysis.project?.name).toBe('other');
  });

  it('opens unreadable text read-only with its located errors; undo goes back to the editable document', () => {
    const { store } = toyStore();
    store.select(['g1']);
    store.open('garbage.json', '{"format": "ganvas/1",\n  oops');
    let s = store.getSnapshot();
    expect(s.doc).toBeUndefined();
    expect(s.tabs).toEqual([]);
    expect(s.tab).toBe('');
    expect(s.selection).toEqual([]);
    expect(s.analysis.diagnostics[0]?.code).toBe('JSON_SYNTAX');
    expect(formatLocation(s.analysis.diagnostics[0]!.location)).toContain('line 2');
    const opened = s.analysis;
    expect(store.addNode('Dense', { x: 0, y: 0 })).toBe(false); // read-only
    expect(store.getSnapshot().past).toHaveLength(1);
    store.undo();
    s = store.getSnapshot();
    expect(s.file).toBe('toy.json');
    expect(s.doc).toBeDefined();
    expect(s.tabs).toEqual(['generator', 'discriminator', 'training']);
    store.redo();
    // The text's own diagnostics (with their line numbers) come back.
    expect(store.getSnapshot().analysis).toBe(opened);
    expect(store.getSnapshot().doc).toBeUndefined();
  });

  it('restores an autosave as the starting point, with no undo step, and opening forgets the restore notice', () => {
    const { store } = toyStore();
    const saved = toyProject();
    saved.models.generator!.nodes[0]!.params = { dim: 64 };
    store.restore('saved.json', saved, '2026-01-01T00:00:00.000Z');
    const s = store.getSnapshot();
    expect(s.restoredAt).toBe('2026-01-01T00:00:00.000Z');
    expect(s.past).toEqual([]);
    expect(json(s.doc)).toEqual(json(saved));
    store.open('toy.json', JSON.stringify(toyProject()));
    expect(store.getSnapshot().restoredAt).toBeUndefined();
  });
});

describe('editor store: selection, tabs, clipboard', () => {
  it('never holds ids absent from the graph shown: after a delete, an undo, a tab change, a group', () => {
    const { store } = toyStore();
    store.select(['g1', 'g1a', 'nobody', 'x']); // 'x' is the discriminator's
    expect(store.getSnapshot().selection).toEqual(['g1', 'g1a']);
    store.remove(['g1']);
    expect(store.getSnapshot().selection).toEqual(['g1a']);
    store.undo();
    store.addNode('ReLU', { x: 0, y: 0 });
    store.select(['relu_1', 'g2']);
    store.undo(); // removes relu_1
    expect(store.getSnapshot().selection).toEqual(['g2']);
    store.setTab('discriminator');
    expect(store.getSnapshot().selection).toEqual([]);
    store.select(['d1', 'd1a']);
    store.setBlockName('hidden');
    store.groupSelection();
    expect(store.getSnapshot().selection).toEqual([]);
    expect(store.getSnapshot().tabs).toContain('block:hidden');
    store.select(['hidden']);
    store.undo(); // the Block node goes
    expect(store.getSnapshot().selection).toEqual([]);
    expect(store.getSnapshot().tabs).not.toContain('block:hidden');
  });

  it('keeps the invariants through a long random run of actions', () => {
    const { store } = toyStore();
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pick = <T>(xs: readonly T[]): T | undefined => xs[rand(Math.max(1, xs.length))];
    let changes = 0;
    let edits = 0;
    for (let i = 0; i < 300; i++) {
      const s = store.getSnapshot();
      const some = ids(s).filter(() => rand(3) === 0);
      switch (rand(10)) {
        case 0:
          store.addNode(pick(['Dense', 'ReLU', 'Output'])!, { x: i, y: i });
          break;
        case 1:
          store.remove(some);
          break;
        case 2:
          store.select(some);
          break;
        case 3:
          store.undo();
          break;
        case 4:
          store.redo();
          break;
        case 5:
          store.setTab(pick(s.tabs) ?? '');
          break;
        case 6:
          store.copy();
          break;
        case 7:
          store.paste();
          break;
        case 8:
          store.setBlockName(`b${i}`);
          store.groupSelection();
          break;
        default:
          store.remove([], [0]);
      }
      const after = store.getSnapshot();
      checkInvariants(after);
      if (after !== s) changes++;
      if (after.doc !== s.doc) edits++;
    }
    // The run did something: most actions changed the state, many the document.
    expect(changes).toBeGreaterThan(150);
    expect(edits).toBeGreaterThan(60);
  });

  it('"open model" shows that model\'s tab; a name that is not a model changes nothing', () => {
    const { store } = toyStore();
    store.setTab('training');
    store.select(['G']);
    expect(store.openModel('discriminator')).toBe(true);
    expect(store.getSnapshot().tab).toBe('discriminator');
    expect(store.getSnapshot().selection).toEqual([]);
    expect(store.openModel('nope')).toBe(false);
    expect(store.openModel('training')).toBe(false);
    expect(store.getSnapshot().tab).toBe('discriminator');
  });

  it('copies the selected nodes and the edges among them; paste adds fresh copies as one step', () => {
    const { store } = toyStore();
    expect(store.copy()).toBe(false); // nothing selected
    store.select(['g1', 'g1a']);
    expect(store.copy()).toBe(true);
    expect(store.getSnapshot().clipboard?.nodes.map((n) => n.id)).toEqual(['g1', 'g1a']);
    expect(store.getSnapshot().clipboard?.edges).toEqual([{ source: 'g1', target: 'g1a' }]);
    store.paste();
    const g = activeGraph(store.getSnapshot())!;
    expect(g.nodes.map((n) => n.id).slice(-2)).toEqual(['dense_1', 'relu_1']);
    expect(g.edges).toContainEqual({ source: 'dense_1', target: 'relu_1' });
    expect(store.getSnapshot().past).toHaveLength(1);
    store.undo();
    expect(ids(store.getSnapshot())).not.toContain('dense_1');
  });

  it('gives the inspector the one selected node', () => {
    const { store } = toyStore();
    store.select(['g1']);
    expect(selectedNode(store.getSnapshot())).toMatchObject({ id: 'g1', type: 'Dense', params: { units: 16 } });
    store.select(['g1', 'g2']);
    expect(selectedNode(store.getSnapshot())).toBeUndefined();
  });
});

describe('editor store: snapshots', () => {
  it('are immutable: an old snapshot keeps its document; an unchanged state is the same object', () => {
    const { store } = toyStore();
    const before = store.getSnapshot();
    expect(store.getSnapshot()).toBe(before);
    store.setParam('g1', 'units', 32);
    const after = store.getSnapshot();
    expect(after).not.toBe(before);
    expect(before.doc!.models.generator!.nodes[1]!.params).toEqual({ units: 16 });
    expect(after.doc!.models.generator!.nodes[1]!.params).toEqual({ units: 32 });
    expect(Object.isFrozen(after.doc!.models.generator!.nodes[1])).toBe(true);
    expect(() => (after.selection as string[]).push('g1')).toThrow();
    expect(Object.isFrozen(after.past) && Object.isFrozen(after.past[0])).toBe(true);
    // Unchanged parts are shared, so a view of the other model need not redraw.
    expect(after.doc!.models.discriminator).toBe(before.doc!.models.discriminator);
    store.select([]);
    expect(store.getSnapshot()).toBe(after); // selecting nothing again is no change
  });

  it('tells subscribers once per change, and no more after they unsubscribe', () => {
    const { store } = toyStore();
    let calls = 0;
    const off = store.subscribe(() => calls++);
    store.setParam('g1', 'units', 3);
    store.undo();
    store.setTab('discriminator');
    expect(calls).toBe(3);
    off();
    store.redo();
    expect(calls).toBe(3);
  });
});

describe('editor store: import, save, export', () => {
  it('imports a model.json as a model and shows it; a bad file leaves a notice and no step', () => {
    const { store } = toyStore();
    expect(store.importModel('model.json', JSON.stringify(keras()))).toBe(true);
    expect(store.getSnapshot().tab).toBe('imported');
    expect(store.getSnapshot().analysis.models.get('imported')?.totals.trainable).toBe(8 * 32 + 32 + 33);
    store.undo();
    expect(store.getSnapshot().tabs).not.toContain('imported');
    expect(store.getSnapshot().tab).toBe('generator');
    expect(store.importModel('x.json', '{oops')).toBe(false);
    expect(store.getSnapshot().notice).toMatch(/^x\.json: not JSON/);
    expect(store.getSnapshot().past).toHaveLength(0);
  });

  it('saves the parsed project under the file name, and exports the script or says why not', async () => {
    const { store, log } = toyStore();
    expect(store.save()).toBe(true);
    expect(log.downloads[0]!.name).toBe('toy.json');
    const saved = JSON.parse(log.downloads[0]!.text);
    expect(saved.models.generator.nodes[1]).toMatchObject({ id: 'g1', params: { units: 16 } });
    expect(await store.exportTs()).toBe(true);
    expect(log.downloads[1]).toEqual({ name: 'toy.train.ts', text: '// script\n', mime: 'text/typescript' });

    const failing = toyStore(async () => {
      throw new Error('no exporter');
    });
    expect(await failing.store.exportTs()).toBe(false);
    expect(failing.store.getSnapshot().notice).toBe('Export: no exporter');
    expect(failing.log.downloads).toEqual([]);
  });

  it('exports PyTorch as train.py, asking the exporter for that target, or says why not', async () => {
    const targets: (string | undefined)[] = [];
    const { store, log } = toyStore(async (_a, target) => {
      targets.push(target);
      if (target === 'pytorch') return '# train.py\n';
      return '// script\n';
    });
    expect(await store.exportPyTorch()).toBe(true);
    expect(await store.exportTs()).toBe(true);
    expect(targets).toEqual(['pytorch', 'ts']);
    expect(log.downloads[0]).toEqual({ name: 'train.py', text: '# train.py\n', mime: 'text/x-python' });
    expect(log.downloads[1]!.name).toBe('toy.train.ts');
    const failing = toyStore(async () => {
      throw new Error('The project has no complete training graph');
    });
    expect(await failing.store.exportPyTorch()).toBe(false);
    expect(failing.store.getSnapshot().notice).toBe('Export: The project has no complete training graph');
    expect(failing.log.downloads).toEqual([]);
  });
});

function keras() {
  return {
    modelTopology: {
      class_name: 'Sequential',
      config: {
        name: 'mlp',
        layers: [
          {
            class_name: 'Dense',
            config: { name: 'hidden', units: 32, activation: 'relu', batch_input_shape: [null, 8] },
          },
          { class_name: 'Dense', config: { name: 'score', units: 1 } },
        ],
      },
    },
  };
}
