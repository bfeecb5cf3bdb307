/**
 * Compilation: blocks expand into the right layers and weights, compiled
 * models have the parameter counts shape inference promised, multi-input
 * models (conditional, StyleGAN-style) build, and the training plan assigns
 * loss terms and optimizers to the right players.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { compileModel } from '../../src/core/compile/model.js';
import { compileTrainingPlan } from '../../src/core/compile/plan.js';
import { summarizeModel } from '../../src/core/summary.js';
import { validateProjectValue } from '../../src/core/validate.js';
import { chain, toyProject } from './fixtures.js';

describe('blocks', () => {
  const residual = {
    nodes: [
      { id: 'x', type: 'Input' },
      { id: 'pad1', type: 'ReflectionPad', params: { padding: 1 } },
      { id: 'conv1', type: 'Conv2D', params: { filters: 8, kernelSize: 3, strides: 1, padding: 'valid' } },
      { id: 'norm1', type: 'InstanceNorm' },
      { id: 'act', type: 'ReLU' },
      { id: 'pad2', type: 'ReflectionPad', params: { padding: 1 } },
      { id: 'conv2', type: 'Conv2D', params: { filters: 8, kernelSize: 3, strides: 1, padding: 'valid' } },
      { id: 'norm2', type: 'InstanceNorm' },
      { id: 'sum', type: 'Add' },
      { id: 'y', type: 'Output' },
    ],
    edges: [
      ...chain([
        { id: 'x', type: '' },
        { id: 'pad1', type: '' },
        { id: 'conv1', type: '' },
        { id: 'norm1', type: '' },
        { id: 'act', type: '' },
        { id: 'pad2', type: '' },
        { id: 'conv2', type: '' },
        { id: 'norm2', type: '' },
      ]).edges,
      { source: 'norm2', target: 'sum', targetPort: 'in0' },
      { source: 'x', target: 'sum', targetPort: 'in1' },
      { source: 'sum', target: 'y' },
    ],
  };
  const project = (repeat: number) => ({
    format: 'ganvas/1',
    name: 'res',
    blocks: { resblock: residual },
    models: {
      net: chain([
        { id: 'img', type: 'Input', params: { shape: [8, 8, 8] } },
        { id: 'res', type: 'Block', params: { block: 'resblock', repeat } },
        { id: 'out', type: 'Output' },
      ]),
    },
  });

  it('a block repeated 3 times has 3 times the parameters, and compiles to them', () => {
    const one = validateProjectValue(project(1));
    const three = validateProjectValue(project(3));
    expect(three.diagnostics).toEqual([]);
    // Per block: 2 convs of 3*3*8*8 + 8, 2 instance norms of 2*8.
    const perBlock = 2 * (3 * 3 * 8 * 8 + 8) + 2 * 16;
    expect(one.models.get('net')!.totals.trainable).toBe(perBlock);
    expect(three.models.get('net')!.totals.trainable).toBe(3 * perBlock);
    const model = compileModel(three.models.get('net')!);
    expect(model.countParams()).toBe(3 * perBlock);
    expect(model.layers.map((l) => l.name)).toContain('res_2_conv1');
    const y = model.predict(tf.ones([2, 8, 8, 8])) as tf.Tensor;
    expect(y.shape).toEqual([2, 8, 8, 8]);
  });

  it('reports an error inside a block at the block definition', () => {
    const p = project(2);
    (p.blocks.resblock.nodes[6] as { params: Record<string, unknown> }).params = {
      filters: 4,
      kernelSize: 3,
      strides: 1,
      padding: 'valid',
    };
    const a = validateProjectValue(p);
    const d = a.diagnostics.find((x) => x.code === 'SHAPE');
    expect(d?.location).toMatchObject({
      graph: 'block:resblock',
      nodeId: 'sum',
      path: ['blocks', 'resblock', 'nodes', 8],
    });
  });
});

describe('compiled models', () => {
  it('have the parameter counts summary prints, for every model', () => {
    const a = validateProjectValue(toyProject());
    for (const m of a.models.values()) {
      const s = summarizeModel(m);
      const model = compileModel(m);
      expect(model.countParams()).toBe(s.totals.total);
      expect(model.layers.filter((l) => l.countParams() > 0).map((l) => [l.name, l.countParams()])).toEqual(
        s.layers.filter((l) => l.trainable + l.nonTrainable > 0).map((l) => [l.name, l.trainable + l.nonTrainable]),
      );
    }
  });

  it('build a conditional generator (Label -> Embedding -> Concat) and a StyleGAN-style synthesis net', () => {
    const a = validateProjectValue({
      format: 'ganvas/1',
      name: 'multi',
      models: {
        cgen: {
          nodes: [
            { id: 'z', type: 'Noise', params: { dim: 8 } },
            { id: 'y', type: 'Label', params: { numClasses: 10 } },
            { id: 'emb', type: 'Embedding', params: { numClasses: 10, dim: 4 } },
            { id: 'cat', type: 'Concat', params: { inputs: 2 } },
            { id: 'fc', type: 'Dense', params: { units: 6 } },
            { id: 'o', type: 'Output' },
          ],
          edges: [
            { source: 'y', target: 'emb' },
            { source: 'z', target: 'cat', targetPort: 'in0' },
            { source: 'emb', target: 'cat', targetPort: 'in1' },
            { source: 'cat', target: 'fc' },
            { source: 'fc', target: 'o' },
          ],
        },
        synth: {
          nodes: [
            { id: 'w', type: 'Noise', params: { dim: 16 } },
            { id: 'const', type: 'LearnedConstant', params: { height: 4, width: 4, channels: 8 } },
            { id: 'noise1', type: 'NoiseInjection' },
            { id: 'ada1', type: 'StyleModulation' },
            { id: 'up', type: 'Upsample', params: { factor: 2, interpolation: 'bilinear' } },
            { id: 'conv', type: 'Conv2D', params: { filters: 3, kernelSize: 3, strides: 1, equalizedLR: true } },
            { id: 'img', type: 'Output' },
          ],
          edges: [
            { source: 'w', target: 'const', targetPort: 'batch' },
            { source: 'const', target: 'noise1' },
            { source: 'noise1', target: 'ada1', targetPort: 'in' },
            { source: 'w', target: 'ada1', targetPort: 'style' },
            { source: 'ada1', target: 'up' },
            { source: 'up', target: 'conv' },
            { source: 'conv', target: 'img' },
          ],
        },
      },
    });
    expect(a.diagnostics).toEqual([]);
    const cgen = compileModel(a.models.get('cgen')!);
    const out = cgen.predict([tf.ones([3, 8]), tf.tensor2d([[1], [2], [3]], [3, 1], 'int32')]) as tf.Tensor;
    expect(out.shape).toEqual([3, 6]);
    expect(cgen.countParams()).toBe(10 * 4 + 12 * 6 + 6);
    const synth = compileModel(a.models.get('synth')!);
    expect((synth.predict(tf.ones([2, 16])) as tf.Tensor).shape).toEqual([2, 8, 8, 3]);
    expect(synth.countParams()).toBe(4 * 4 * 8 + 8 + (16 * 16 + 16) + (3 * 3 * 8 * 3 + 3));
  });
});

describe('tfjs quirks', () => {
  it('compiles a layer fed the same tensor on two ports (tfjs disposed it too early)', async () => {
    const a = validateProjectValue({
      format: 'ganvas/1',
      name: 'dup',
      models: {
        net: {
          nodes: [
            { id: 'x', type: 'Input', params: { shape: [3] } },
            { id: 'double', type: 'Add' },
            { id: 'o', type: 'Output' },
          ],
          edges: [
            { source: 'x', target: 'double', targetPort: 'in0' },
            { source: 'x', target: 'double', targetPort: 'in1' },
            { source: 'double', target: 'o' },
          ],
        },
      },
    });
    const y = compileModel(a.models.get('net')!).predict(tf.tensor2d([[1, 2, 3]])) as tf.Tensor;
    expect(Array.from(await y.data())).toEqual([2, 4, 6]);
  });
});

describe('training plan', () => {
  it('assigns the adversarial loss to both players, penalties to D, reconstruction to G', () => {
    const p = toyProject();
    p.training!.nodes.push({
      id: 'gp',
      type: 'GradientPenalty',
      params: { kind: 'wgan-gp', weight: 10, critic: 'discriminator' },
    });
    p.training!.edges!.push(
      { source: 'data', sourcePort: 'x', target: 'gp', targetPort: 'real' },
      { source: 'G', sourcePort: 'sample', target: 'gp', targetPort: 'fake' },
    );
    const a = validateProjectValue(p);
    expect(a.diagnostics).toEqual([]);
    const plan = compileTrainingPlan(a);
    expect(plan.players.D.terms.map((t) => t.id).sort()).toEqual(['gp', 'loss']);
    expect(plan.players.G.terms.map((t) => t.id)).toEqual(['loss']);
    expect(plan.players.G.models).toEqual(['generator']);
    expect(plan.players.D.models).toEqual(['discriminator']);
    expect(plan.models.sort()).toEqual(['discriminator', 'generator']);
    const order = plan.nodes.map((n) => n.id);
    expect(order.indexOf('G')).toBeLessThan(order.indexOf('D_fake'));
    expect(plan.nodes.find((n) => n.id === 'D_fake')!.inputs).toEqual([{ port: 'x', node: 'G', sourcePort: 'sample' }]);
  });
  it('refuses to plan an invalid project', () => {
    const p = toyProject();
    p.training!.nodes.pop();
    expect(() => compileTrainingPlan(validateProjectValue(p))).toThrow(/validate/);
  });
});
