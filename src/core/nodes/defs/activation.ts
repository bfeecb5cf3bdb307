import { z } from 'zod';
import { defineNode, IN, needFloat, OUT, perSample, same } from '../helpers.js';
import type { AnyNodeDef, LayerSpec } from '../types.js';

function activation(
  type: string,
  doc: string,
  params: z.ZodObject,
  layer: (p: Record<string, unknown>, name: string) => LayerSpec,
  flopsPerElement: number,
): AnyNodeDef {
  return defineNode<Record<string, unknown>>({
    type,
    title: type,
    category: 'activation',
    doc,
    params: params as unknown as z.ZodType<Record<string, unknown>>,
    inputs: () => IN,
    outputs: () => OUT,
    infer: (ctx) => {
      const p = needFloat(ctx, type, 0, 'in');
      return p ? { problems: [p] } : same(ctx.inputs[0]!);
    },
    paramCount: () => ({ trainable: 0, nonTrainable: 0 }),
    flops: (_p, [x]) => flopsPerElement * perSample(x!),
    layers: (p, name) => [layer(p, name)],
  });
}

export const ReLU = activation(
  'ReLU',
  'max(0, x). The DCGAN generator uses it in every layer but the last.',
  z.object({}).strict(),
  (_p, name) => ({ kind: 'tfjs', factory: 'activation', config: { name, activation: 'relu' } }),
  1,
);

export const LeakyReLU = activation(
  'LeakyReLU',
  'x for x > 0, alpha*x otherwise. The DCGAN discriminator uses alpha = 0.2.',
  z.object({ alpha: z.number().min(0).max(1).default(0.2).describe('Slope for x < 0.') }).strict(),
  (p, name) => ({ kind: 'tfjs', factory: 'leakyReLU', config: { name, alpha: p.alpha } }),
  1,
);

export const Tanh = activation(
  'Tanh',
  'tanh(x) in (-1, 1): the usual last layer of an image generator, with data scaled to [-1, 1].',
  z.object({}).strict(),
  (_p, name) => ({ kind: 'tfjs', factory: 'activation', config: { name, activation: 'tanh' } }),
  4,
);

export const Sigmoid = activation(
  'Sigmoid',
  '1/(1+exp(-x)) in (0, 1). Loss nodes take logits, so a discriminator should not end in a Sigmoid.',
  z.object({}).strict(),
  (_p, name) => ({ kind: 'tfjs', factory: 'activation', config: { name, activation: 'sigmoid' } }),
  4,
);

export const ELU = activation(
  'ELU',
  'x for x > 0, exp(x)-1 otherwise (Clevert et al. 2016, alpha = 1; tfjs supports no other alpha).',
  z.object({}).strict(),
  (_p, name) => ({ kind: 'tfjs', factory: 'elu', config: { name } }),
  4,
);

export const Linear = activation(
  'Linear',
  'The identity: f(x) = x. A named pass-through, e.g. to mark a logit.',
  z.object({}).strict(),
  (_p, name) => ({ kind: 'tfjs', factory: 'activation', config: { name, activation: 'linear' } }),
  0,
);

export const Dropout = defineNode({
  type: 'Dropout',
  title: 'Dropout',
  category: 'regularization',
  doc: 'Zeroes a fraction of activations during training (pix2pix uses it in G as its noise source).',
  params: z
    .object({ rate: z.number().min(0).max(0.99).default(0.5).describe('Fraction dropped while training.') })
    .strict(),
  inputs: () => IN,
  outputs: () => OUT,
  infer: (ctx) => same(ctx.inputs[0]!),
  paramCount: () => ({ trainable: 0, nonTrainable: 0 }),
  flops: (_p, [x]) => perSample(x!),
  layers: (p, name) => [{ kind: 'tfjs', factory: 'dropout', config: { name, rate: p.rate } }],
});
