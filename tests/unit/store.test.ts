/**
 * The editor's document store: every edit undoes and redoes exactly, patches
 * round-trip, bulk edits are one step, and edits keep the project's meaning
 * (checked by the validator, as the editor does after every edit).
 */
import { applyPatches, type Patch } from 'immer';
import { describe, expect, it } from 'vitest';
import { validateProjectValue } from '../../src/core/validate.js';
import {
  addNode,
  autoLayout,
  connect,
  type GraphRef,
  moveNodes,
  paste,
  removeEdges,
  removeNodes,
  setParam,
} from '../../src/ui/store/edits.js';
import { History } from '../../src/ui/store/history.js';
import { toyProject } from './fixtures.js';

const G: GraphRef = { kind: 'model', name: 'generator' };
const T: GraphRef = { kind: 'training' };
const json = (x: unknown) => JSON.parse(JSON.stringify(x));

describe('History', () => {
  it('undoes and redoes every kind of edit exactly, and the patches round-trip', () => {
    const h = new History(json(toyProject()));
    const edits: [string, Parameters<History['apply']>[1]][] = [
      ['add', addNode(G, 'Dense', { x: 10, y: 20 })],
      ['connect', connect(G, 'g1a', 'out', 'dense_1', 'in')],
      ['param', setParam(G, 'dense_1', 'units', 7)],
      ['move', moveNodes(G, { z: { x: 5.4, y: 6.6 } })],
      ['remove edge', removeEdges(G, [0])],
      ['remove nodes', removeNodes(G, ['g1', 'g1a'])],
      ['paste', paste(G, [{ id: 'g2', type: 'Dense', params: { units: 3 } }], [])],
      ['layout', autoLayout(G)],
      ['training node', addNode(T, 'GradientPenalty', { x: 0, y: 0 })],
    ];
    const states = [json(h.doc)];
    for (const [label, edit] of edits) {
      const before = json(h.doc);
      expect(h.apply(label, edit), label).toBe(true);
      states.push(json(h.doc));
      // The step's patches take the old document to the new, the inverse back.
      const step = (h as unknown as { past: { patches: Patch[]; inverse: Patch[] }[] }).past.at(-1)!;
      expect(applyPatches(before, step.patches), label).toEqual(json(h.doc));
      expect(applyPatches(json(h.doc), step.inverse), label).toEqual(before);
    }
    for (let i = edits.length - 1; i >= 0; i--) {
      expect(h.undo()).toBe(true);
      expect(json(h.doc)).toEqual(states[i]);
    }
    expect(h.undo()).toBe(false);
    for (let i = 1; i <= edits.length; i++) {
      expect(h.redo()).toBe(true);
      expect(json(h.doc)).toEqual(states[i]);
    }
    expect(h.redo()).toBe(false);
  });

  it('deletes forty nodes, with their edges, as one step that undoes at once', () => {
    const p = json(toyProject());
    for (let i = 0; i < 40; i++) {
      p.models.generator.nodes.push({ id: `extra${i}`, type: 'ReLU' });
      p.models.generator.edges.push({ source: i === 0 ? 'g1a' : `extra${i - 1}`, target: `extra${i}` });
    }
    const h = new History(p);
    const original = json(h.doc);
    h.apply(
      'delete 40',
      removeNodes(
        G,
        Array.from({ length: 40 }, (_, i) => `extra${i}`),
      ),
    );
    expect(h.doc.models.generator!.nodes).toHaveLength(5);
    expect(h.doc.models.generator!.edges).toHaveLength(4);
    h.undo();
    expect(json(h.doc)).toEqual(original);
    expect(h.canUndo).toBe(false);
  });

  it('a new edit clears the redo stack; an edit that changes nothing records no step', () => {
    const h = new History(json(toyProject()));
    h.apply('a', setParam(G, 'g1', 'units', 5));
    h.undo();
    expect(h.canRedo).toBe(true);
    h.apply('b', setParam(G, 'g1', 'units', 6));
    expect(h.canRedo).toBe(false);
    expect(h.apply('same', setParam(G, 'g1', 'units', 6))).toBe(false);
    expect(h.undoLabel).toBe('b');
  });

  it('connecting into a driven input replaces the old edge (an input takes one tensor)', () => {
    const h = new History(json(toyProject()));
    h.apply('rewire', connect(G, 'z', 'out', 'g2', 'in'));
    const into = h.doc.models.generator!.edges!.filter((e) => e.target === 'g2');
    expect(into).toEqual([{ source: 'z', target: 'g2' }]);
  });

  it('a shape error appears with the edit that causes it and vanishes with the fix or with undo', () => {
    const h = new History(json(toyProject()));
    h.apply('break', setParam(G, 'g2', 'units', 3));
    const broken = validateProjectValue(h.doc);
    expect(broken.diagnostics.map((d) => d.code)).toContain('MODEL_MISMATCH');
    h.apply('fix', setParam(G, 'g2', 'units', 2));
    expect(validateProjectValue(h.doc).status).toBe('ok');
    h.undo();
    expect(validateProjectValue(h.doc).status).toBe('invalid');
    h.undo();
    expect(validateProjectValue(h.doc).status).toBe('ok');
  });

  it('pastes copies with fresh ids and their internal edges', () => {
    const h = new History(json(toyProject()));
    h.apply(
      'paste',
      paste(
        G,
        [
          { id: 'g1', type: 'Dense', params: { units: 16 } },
          { id: 'g1a', type: 'ReLU' },
        ],
        [
          { source: 'g1', target: 'g1a' },
          { source: 'z', target: 'g1' },
        ],
      ),
    );
    const ids = h.doc.models.generator!.nodes.map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain('dense_1');
    expect(ids).toContain('relu_1');
    expect(h.doc.models.generator!.edges).toContainEqual({ source: 'dense_1', target: 'relu_1' });
    expect(h.doc.models.generator!.edges!.filter((e) => e.source === 'z')).toHaveLength(1); // the outside edge is not copied
  });
});

describe('group into a block', () => {
  it('replaces a selection by a Block instance with the same shapes and parameters, as one undoable step', async () => {
    const { groupIntoBlock } = await import('../../src/ui/store/edits.js');
    const h = new History(json(toyProject()));
    const before = validateProjectValue(h.doc);
    h.apply('group', groupIntoBlock(G, ['g1', 'g1a'], 'mlp'));
    const after = validateProjectValue(h.doc);
    expect(after.diagnostics).toEqual([]);
    expect(Object.keys(h.doc.blocks!)).toEqual(['mlp']);
    expect(h.doc.models.generator!.nodes.map((n) => n.type)).toEqual(['Noise', 'Dense', 'Output', 'Block']);
    expect(after.models.get('generator')!.totals).toEqual(before.models.get('generator')!.totals);
    // Repeating the block is one param away: the second copy is Dense(16 -> 16), 16*16 + 16 more parameters.
    h.apply('repeat', setParam(G, 'mlp', 'repeat', 2));
    const repeated = validateProjectValue(h.doc);
    expect(repeated.status).toBe('ok');
    expect(repeated.models.get('generator')!.totals.trainable).toBe(
      before.models.get('generator')!.totals.trainable + 16 * 16 + 16,
    );
    h.undo();
    h.undo();
    expect(json(h.doc)).toEqual(json(toyProject()));
  });
});

describe('reconnect', () => {
  it('moving an edge end is one step: the old edge goes, the new one comes, undo restores both', () => {
    const h = new History(json(toyProject()));
    const before = json(h.doc);
    h.apply('reconnect', (d) => {
      removeEdges(G, [3])(d); // g2 -> sample
      connect(G, 'g1a', 'out', 'sample', 'in')(d);
    });
    expect(h.doc.models.generator!.edges).toContainEqual({ source: 'g1a', target: 'sample' });
    expect(h.doc.models.generator!.edges!.some((e) => e.source === 'g2' && e.target === 'sample')).toBe(false);
    h.undo();
    expect(json(h.doc)).toEqual(before);
  });
});
