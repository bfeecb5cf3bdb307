/**
 * Issue 13's store-side pieces, in Node: renaming a node or a model updates
 * every reference as one step, a file that is not a project is refused with
 * the document untouched, the autosave's Discard is undoable and Restore
 * brings the work back, dangling edges stay drawable and offer their fix.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateProjectValue } from '../../src/core/validate.js';
import { chordOf, commandForKey } from '../../src/ui/editor/commands.js';
import { danglingEdgeOf } from '../../src/ui/editor/fixes.js';
import { countText, createEditorStore, type EditorEnv, loadText } from '../../src/ui/editor/store.js';
import { tabView } from '../../src/ui/graphView.js';
import { toyProject } from './fixtures.js';

const json = (x: unknown) => JSON.parse(JSON.stringify(x));

function store(project: unknown = toyProject()) {
  const autosaves: unknown[] = [];
  const env: EditorEnv = {
    download: () => undefined,
    scheduleAutosave: (_file, doc) => void autosaves.push(doc),
    clearAutosave: () => undefined,
    exportScript: async () => '',
  };
  return { store: createEditorStore(loadText('toy.json', JSON.stringify(project)), env), autosaves };
}

describe('renaming', () => {
  it("a model's Noise node: the node, its edges and the training graph's port on every call, one undo step", () => {
    const { store: s } = store();
    s.setTab('generator');
    s.select(['z']);
    expect(s.nodeIdProblem('z', 'g1')).toMatch(/already has a node id 'g1'/);
    expect(s.nodeIdProblem('z', '9lives')).toMatch(/a letter/);
    expect(s.renameNode('z', 'latent')).toBe(true);
    const snap = s.getSnapshot();
    expect(snap.selection).toEqual(['latent']);
    expect(snap.analysis.diagnostics).toEqual([]);
    const training = json(snap.doc).training;
    expect(training.edges.find((e: { target: string }) => e.target === 'G').targetPort).toBe('latent');
    expect(json(snap.doc).models.generator.edges[0].source).toBe('latent');
    expect(snap.past).toHaveLength(1);
    s.undo();
    expect(json(s.getSnapshot().doc)).toEqual(json(toyProject()));
  });

  it('a model: its key keeps its place, every ModelCall, critic and optimizer follows, one undo step', () => {
    const p = toyProject();
    const { store: s } = store(p);
    expect(s.modelNameProblem('discriminator', 'generator')).toMatch(/already has a model/);
    expect(s.renameModel('discriminator', 'critic')).toBe(true);
    const snap = s.getSnapshot();
    expect(Object.keys(snap.doc!.models)).toEqual(['generator', 'critic']);
    expect(snap.tabs).toEqual(['generator', 'critic', 'training']);
    expect(snap.analysis.diagnostics).toEqual([]);
    const nodes = json(snap.doc).training.nodes as { id: string; params: Record<string, unknown> }[];
    expect(nodes.find((n) => n.id === 'D_fake')?.params.model).toBe('critic');
    expect(nodes.find((n) => n.id === 'opt_D')?.params.models).toEqual(['critic']);
    s.undo();
    expect(json(s.getSnapshot().doc)).toEqual(json(p));
  });

  it("a block's Input node renames the port on every instance of the block", () => {
    const text = readFileSync('templates/cyclegan.json', 'utf8');
    const { store: s } = store(JSON.parse(text));
    const blockTab = s.getSnapshot().tabs.find((t) => t.startsWith('block:'))!;
    s.setTab(blockTab);
    const g = json(s.getSnapshot().doc).blocks[blockTab.slice(6)];
    const input = g.nodes.find((n: { type: string }) => n.type === 'Input').id as string;
    expect(s.renameNode(input, 'renamed_in')).toBe(true);
    expect(validateProjectValue(s.getSnapshot().doc).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});

describe('opening and the autosave', () => {
  it('a file that is not a project is refused with located diagnostics; the document and history are untouched', () => {
    const { store: s } = store();
    s.setParam('g1', 'units', 8);
    const before = s.getSnapshot();
    expect(s.openFile('train.ts', "import * as tf from '@tensorflow/tfjs';")).toBe(false);
    const after = s.getSnapshot();
    expect(after.doc).toBe(before.doc);
    expect(after.past).toBe(before.past);
    expect(after.refused?.file).toBe('train.ts');
    expect(after.refused?.diagnostics[0]?.code).toBe('JSON_SYNTAX');
    expect(s.openFile('x.json', '{"hello": 1}')).toBe(false);
    expect(s.openFile('toy2.json', JSON.stringify(toyProject()))).toBe(true);
    expect(s.getSnapshot().refused).toBeUndefined();
    expect(s.getSnapshot().file).toBe('toy2.json');
  });

  it('hostile bytes (not UTF-8, a __proto__ key, nesting past the limit) are refused; the document is untouched', () => {
    const { store: s } = store();
    const before = s.getSnapshot();
    const enc = new TextEncoder();
    const good = JSON.stringify(toyProject());
    const badUtf8 = enc.encode(good.replace('"toy"', '"t\u00ffy"'));
    // Replace the encoded U+00FF (c3 bf) by a lone continuation byte: not UTF-8.
    const at = badUtf8.findIndex((b, i) => b === 0xc3 && badUtf8[i + 1] === 0xbf);
    const bytes = Uint8Array.from([...badUtf8.subarray(0, at), 0xbf, ...badUtf8.subarray(at + 2)]);
    const cases: [string, Uint8Array, string][] = [
      ['latin1.json', bytes, 'ENCODING'],
      ['proto.json', enc.encode(good.replace('"units":', '"__proto__": {"x": 1}, "units":')), 'FORBIDDEN_KEY'],
      ['deep.json', enc.encode(`${'['.repeat(5000)}${']'.repeat(5000)}`), 'LIMIT'],
    ];
    for (const [file, b, code] of cases) {
      expect(s.openBytes(file, b), file).toBe(false);
      expect(s.getSnapshot().doc).toBe(before.doc);
      expect(
        s.getSnapshot().refused?.diagnostics.map((d) => d.code),
        file,
      ).toContain(code);
    }
    expect(s.openBytes('toy2.json', enc.encode(good))).toBe(true);
    expect(s.getSnapshot().file).toBe('toy2.json');
  });

  it('Discard opens the template as an undoable step; Restore brings the work back; Keep closes the banner', () => {
    const { store: s, autosaves } = store();
    const saved = toyProject();
    saved.models.generator!.nodes[0]!.params = { dim: 7 };
    s.restore('saved.json', saved, '2026-01-01T00:00:00.000Z');
    s.discardRestored('toy.json', JSON.stringify(toyProject()));
    let snap = s.getSnapshot();
    expect(snap.restoredAt).toBeUndefined();
    expect(snap.discarded?.savedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(json(snap.doc)).toEqual(json(toyProject()));
    expect(s.restoreDiscarded()).toBe(true);
    snap = s.getSnapshot();
    expect(json(snap.doc)).toEqual(json(saved));
    expect(snap.discarded).toBeUndefined();
    expect(json(autosaves.at(-1))).toEqual(json(saved)); // written again, so a reload still has it
    s.undo();
    s.undo();
    expect(json(s.getSnapshot().doc)).toEqual(json(saved));
    s.keepRestored();
    expect(s.getSnapshot().restoredAt).toBeUndefined();
  });
});

describe('dangling edges and counts', () => {
  it('a missing port gets a placeholder handle, a missing node a placeholder node; both edges have a fix', () => {
    const p = toyProject();
    p.models.generator!.nodes = p.models.generator!.nodes.filter((n) => n.id !== 'z');
    p.models.generator!.edges = p.models.generator!.edges.filter((e) => e.source !== 'z');
    p.models.generator!.edges.push({ source: 'ghost', target: 'sample' });
    const { store: s } = store(p);
    const a = s.getSnapshot().analysis;
    const t = tabView(a, 'training');
    const broken = t.edges.filter((e) => e.dangling);
    expect(broken.map((e) => `${e.source}->${e.target}.${e.targetPort}`)).toEqual(['noise->G.z']);
    expect(t.nodes.find((n) => n.id === 'G')?.missingInputs).toEqual(['z']);
    const g = tabView(a, 'generator');
    expect(g.nodes.find((n) => n.id === 'ghost')?.ghost).toBe(true);
    const fixes = a.diagnostics.map(danglingEdgeOf).filter((f) => f !== undefined);
    expect(fixes).toContainEqual({ tab: 'training', index: 0 });
    const gen = fixes.find((f) => f.tab === 'generator')!;
    expect(s.removeEdgeOf(gen.tab, gen.index)).toBe(true);
    expect(tabView(s.getSnapshot().analysis, 'generator').nodes.some((n) => n.ghost)).toBe(false);
    // A valid template draws no dangling edge.
    expect(tabView(store().store.getSnapshot().analysis, 'training').edges.some((e) => e.dangling)).toBe(false);
  });

  it('one count by severity; grouping nothing is refused with a reason', () => {
    expect(countText(1, 0)).toBe('1 error');
    expect(countText(2, 1)).toBe('2 errors, 1 warning');
    expect(countText(0, 3)).toBe('3 warnings');
    const { store: s } = store();
    expect(s.groupSelection()).toBe(false);
    expect(s.getSnapshot().notice).toMatch(/select the nodes/);
    expect(s.getSnapshot().past).toHaveLength(0);
  });

  it('"?" opens the shortcuts, whatever Shift it took to type', () => {
    expect(chordOf({ key: '?', shiftKey: true })).toBe('?');
    expect(commandForKey({ key: '?', shiftKey: true })?.id).toBe('help');
  });
});

describe('inspector words', () => {
  it('a refused number says what the param takes', async () => {
    const { NODE_TYPES } = await import('../../src/core/nodes/registry.js');
    const { fieldsOf, parseField } = await import('../../src/ui/inspector/fields.js');
    const field = (t: string, k: string) => fieldsOf(NODE_TYPES.get(t)!.params).find((f) => f.key === k)!;
    expect(parseField(field('Dense', 'units'), 'NaN')).toEqual({
      error: 'units must be a whole number from 1 to 1,000,000.',
    });
    expect(parseField(field('LeakyReLU', 'alpha'), '3')).toEqual({ error: 'alpha must be a number from 0 to 1.' });
    expect(parseField(field('Input', 'shape'), 'a, b')).toEqual({
      error: 'shape must be numbers separated by commas, e.g. 28, 28, 1.',
    });
  });
});

describe('readable graphs', () => {
  it('dagre lays every template graph out without overlaps, along its default flow', async () => {
    const { layoutPositions, NODE_SIZE, flowOf } = await import('../../src/ui/editor/layout.js');
    for (const f of ['pix2pix', 'cyclegan', 'stylegan-lite', 'dcgan']) {
      const p = JSON.parse(readFileSync(`templates/${f}.json`, 'utf8')) as {
        models: Record<string, { nodes: { id: string }[]; edges: { source: string; target: string }[] }>;
      };
      for (const g of Object.values(p.models)) {
        const at = layoutPositions(g.nodes, g.edges, 'TB');
        const ps = [...at.values()];
        for (let i = 0; i < ps.length; i++)
          for (let j = i + 1; j < ps.length; j++) {
            const a = ps[i]!;
            const b = ps[j]!;
            expect(Math.abs(a.x - b.x) >= NODE_SIZE.width || Math.abs(a.y - b.y) >= NODE_SIZE.height).toBe(true);
          }
        const laid = g.nodes.map((n) => ({ id: n.id, position: at.get(n.id) }));
        expect(flowOf(laid, g.edges, 'LR')).toBe('TB');
      }
    }
  });

  it('a disconnected graph is not stacked; a new node finds a free spot near the wanted point', async () => {
    const { layoutPositions } = await import('../../src/ui/editor/layout.js');
    const { freeSpot } = await import('../../src/ui/editor/placement.js');
    const at = layoutPositions([{ id: 'a' }, { id: 'b' }, { id: 'c' }], [], 'TB');
    expect(new Set([...at.values()].map((p) => `${p.x},${p.y}`)).size).toBe(3);
    const taken = [{ x: -90, y: -40, width: 180, height: 80 }];
    const spot = freeSpot({ x: 0, y: 0 }, taken);
    const clear = spot.x >= 110 || spot.x + 180 <= -110 || spot.y >= 60 || spot.y + 80 <= -60;
    expect(clear).toBe(true);
    expect(freeSpot({ x: 0, y: 0 }, [])).toEqual({ x: -90, y: -40 });
  });
});
