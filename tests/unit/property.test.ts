/**
 * Property-based tests over random graphs: validation never throws, and
 * every graph it accepts compiles and runs with the shapes it inferred.
 */

import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileModel } from '../../src/core/compile/model.js';
import { NODE_TYPES } from '../../src/core/nodes/registry.js';
import { validateProjectText, validateProjectValue } from '../../src/core/validate.js';

const small = fc.integer({ min: 1, max: 4 });
/** Plausible (and sometimes implausible) params per layer type. */
const PARAMS: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
  Dense: fc.record({ units: small, spectralNorm: fc.boolean(), equalizedLR: fc.boolean(), useBias: fc.boolean() }),
  Conv2D: fc.record({
    filters: small,
    kernelSize: fc.integer({ min: 1, max: 3 }),
    strides: fc.integer({ min: 1, max: 2 }),
    padding: fc.constantFrom('same', 'valid'),
    spectralNorm: fc.boolean(),
  }),
  ConvTranspose2D: fc.record({
    filters: small,
    kernelSize: fc.integer({ min: 1, max: 3 }),
    strides: fc.integer({ min: 1, max: 2 }),
    padding: fc.constantFrom('same', 'valid'),
    equalizedLR: fc.boolean(),
  }),
  Upsample: fc.record({ factor: fc.constant(2), interpolation: fc.constantFrom('nearest', 'bilinear') }),
  Downsample: fc.record({ factor: fc.constant(2) }),
  Reshape: fc.record({ shape: fc.constantFrom([-1], [2, 2, -1], [4, -1], [1, 1, -1], [3, 3, 3]) }),
  ReflectionPad: fc.record({ padding: fc.integer({ min: 1, max: 2 }) }),
  Concat: fc.constant({ inputs: 2 }),
  Add: fc.constant({ inputs: 2 }),
  Multiply: fc.constant({ inputs: 2 }),
  SelfAttention: fc.record({ reduction: fc.integer({ min: 1, max: 4 }) }),
  MinibatchStdDev: fc.record({ groupSize: fc.integer({ min: 1, max: 4 }) }),
  LeakyReLU: fc.record({ alpha: fc.double({ min: 0, max: 1, noNaN: true }) }),
};
const LAYER_TYPES = [...NODE_TYPES.values()]
  .filter(
    (d) =>
      !d.modelInput &&
      !d.modelOutput &&
      d.type !== 'Embedding' &&
      d.type !== 'LearnedConstant' &&
      d.type !== 'StyleModulation',
  )
  .map((d) => d.type);

const nodeArb = fc.record({
  type: fc.constantFrom(...LAYER_TYPES),
  junk: fc.nat(19).map((x) => x === 0),
  from: fc.nat(),
  from2: fc.nat(),
  seed: fc.nat(),
});

const graphArb = fc.record({
  input: fc.oneof(
    fc.tuple(fc.integer({ min: 1, max: 8 })).map((s) => [...s]),
    fc.tuple(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 2, max: 6 }), small).map((s) => [...s]),
  ),
  layers: fc.array(nodeArb, { minLength: 1, maxLength: 6 }),
  extraEdges: fc.oneof(
    { weight: 4, arbitrary: fc.constant([] as [number, number][]) },
    { weight: 1, arbitrary: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 2 }) },
  ),
});

type RandomGraph = typeof graphArb extends fc.Arbitrary<infer T> ? T : never;

function build(g: RandomGraph): unknown {
  const nodes: { id: string; type: string; params?: unknown }[] = [
    { id: 'x', type: 'Input', params: { shape: g.input } },
  ];
  const edges: { source: string; target: string; targetPort?: string }[] = [];
  g.layers.forEach((l, i) => {
    const id = `n${i}`;
    const arb = PARAMS[l.type];
    const params = l.junk ? { units: 'many', filters: -1 } : arb ? fc.sample(arb, { seed: l.seed, numRuns: 1 })[0] : {};
    nodes.push({ id, type: l.type, params });
    const prev = nodes[Math.max(0, i - (l.from % 2))]!.id; // mostly the previous node
    const def = NODE_TYPES.get(l.type)!;
    const ports = def.params.safeParse(params).success
      ? def.inputs(def.params.parse(params)).map((p) => p.name)
      : ['in'];
    ports.forEach((port, k) =>
      edges.push({ source: k === 0 ? prev : nodes[l.from2 % nodes.length]!.id, target: id, targetPort: port }),
    );
  });
  nodes.push({ id: 'out', type: 'Output' });
  edges.push({ source: nodes[nodes.length - 2]!.id, target: 'out' });
  for (const [a, b] of g.extraEdges)
    edges.push({ source: nodes[a % nodes.length]!.id, target: nodes[b % nodes.length]!.id, targetPort: 'in' });
  return { format: 'ganvas/1', name: 'random', models: { net: { nodes, edges } } };
}

describe('random graphs', () => {
  it('validate never throws, and every accepted graph compiles and runs with the inferred shapes', () => {
    let accepted = 0;
    const reasons = new Map<string, number>();
    fc.assert(
      fc.property(graphArb, (g) => {
        const project = build(g);
        const a = validateProjectValue(project);
        expect(a.diagnostics.every((d) => d.message.length > 0 && d.code.length > 0)).toBe(true);
        if (a.status !== 'ok') {
          for (const d of a.diagnostics)
            if (d.severity === 'error') reasons.set(d.code, (reasons.get(d.code) ?? 0) + 1);
          return;
        }
        accepted++;
        const m = a.models.get('net')!;
        const model = compileModel(m);
        expect(model.countParams()).toBe(m.totals.trainable + m.totals.nonTrainable);
        const x = tf.randomNormal([2, ...(g.input as number[])]);
        const y = model.predict(x) as tf.Tensor;
        expect(y.shape.slice(1)).toEqual(m.outputs[0]!.inputs![0]!.shape.slice(1));
        tf.dispose([x, y]);
        model.layers.forEach((l) => l.dispose());
      }),
      { numRuns: 300, seed: Number(process.env.GANVAS_PROPERTY_SEED ?? 20261125) },
    );
    // The generator must reach valid graphs, or the compile half tests nothing.
    expect(accepted, JSON.stringify([...reasons])).toBeGreaterThan(60);
  });

  it('validate never throws on arbitrary JSON or text', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const a = validateProjectValue(v);
        expect(['ok', 'invalid', 'unreadable']).toContain(a.status);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(validateProjectText(s).status).not.toBe('ok');
      }),
      { numRuns: 300 },
    );
  });

  it('validate never throws on project-shaped objects with random node records', () => {
    const anyNode = fc.record({
      id: fc.string(),
      type: fc.oneof(fc.constantFrom(...NODE_TYPES.keys(), 'Block'), fc.string()),
      params: fc.dictionary(fc.string(), fc.jsonValue()),
    });
    fc.assert(
      fc.property(
        fc.array(anyNode, { maxLength: 6 }),
        fc.array(fc.record({ source: fc.string(), target: fc.string(), targetPort: fc.string({ minLength: 1 }) }), {
          maxLength: 6,
        }),
        (nodes, edges) => {
          const a = validateProjectValue({
            format: 'ganvas/1',
            name: 'r',
            models: { m: { nodes, edges } },
            blocks: { b: { nodes, edges } },
          });
          expect(a.status).not.toBe(undefined);
        },
      ),
      { numRuns: 300 },
    );
  });
});
