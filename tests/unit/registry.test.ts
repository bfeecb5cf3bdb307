/**
 * One registry: every node type, of every kind, in one map; each graph kind
 * sees its own view; the one structural checker takes that view as a
 * parameter, so a type of the other kind is refused with a located message.
 */
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/core/diagnostics.js';
import { defaultParams, entriesFor, entryFor, REGISTRY } from '../../src/core/nodes/registry.js';
import { checkGraphStructure } from '../../src/core/shapes/structure.js';

describe('the registry', () => {
  it('holds layer, block and training entries, each once, each with what the palette and inspector read', () => {
    const kinds = new Map<string, number>();
    for (const [type, d] of REGISTRY) {
      expect(d.type).toBe(type);
      expect(d.title.length, type).toBeGreaterThan(0);
      expect(d.doc.length, type).toBeGreaterThan(20);
      expect(typeof d.params.safeParse).toBe('function');
      kinds.set(d.kind, (kinds.get(d.kind) ?? 0) + 1);
    }
    expect(kinds.get('block')).toBe(1);
    expect(kinds.get('training')).toBe(11);
    expect(kinds.get('layer')).toBeGreaterThan(25);
  });

  it('gives each graph kind its view: models hold layers and blocks, the training graph training nodes', () => {
    expect(new Set(entriesFor('model').map((d) => d.kind))).toEqual(new Set(['layer', 'block']));
    expect(new Set(entriesFor('training').map((d) => d.kind))).toEqual(new Set(['training']));
    expect(entryFor('model', 'Conv2D')?.kind).toBe('layer');
    expect(entryFor('model', 'Block')?.kind).toBe('block');
    expect(entryFor('training', 'Conv2D')).toBeUndefined();
    expect(entryFor('model', 'AdversarialLoss')).toBeUndefined();
  });

  it('every training node but the optimizer says what it computes (an op), from its params', () => {
    for (const d of entriesFor('training')) {
      if (d.kind !== 'training') continue;
      if (d.type === 'Optimizer') expect(d.op).toBeUndefined();
      else expect(d.op, d.type).toBeTypeOf('function');
    }
  });

  it('fills new nodes with defaults, or the blank params of a type with required fields', () => {
    expect(defaultParams('Dense')).toMatchObject({ units: 128 });
    expect(defaultParams('Block')).toEqual({ block: '', repeat: 1 });
    expect(defaultParams('NoiseSource')).toEqual({ dim: 100, distribution: 'normal' });
  });

  it('the structural checker, given the training view, refuses a layer node there with a located message', () => {
    const out: Diagnostic[] = [];
    const graph = {
      nodes: [
        { id: 'c', type: 'Conv2D', params: {} },
        { id: 'z', type: 'NoiseSource', params: {} },
      ],
      edges: [],
    };
    const s = checkGraphStructure(
      graph,
      {
        label: 'training',
        basePath: ['training'],
        locate: () => undefined,
        lookup: (t) => entryFor('training', t),
        typeNames: entriesFor('training').map((d) => d.type),
        ports: () => ({ inputs: [], outputs: ['out'] }),
        aliasSinglePort: () => true,
      },
      out,
    );
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      code: 'UNKNOWN_NODE_TYPE',
      location: { path: ['training', 'nodes', 0, 'type'], nodeId: 'c' },
    });
    expect(out[0]!.message).toContain('NoiseSource');
    expect([...s.bad]).toEqual(['c']);
    expect([...s.nodes.keys()]).toEqual(['z']);
  });
});
