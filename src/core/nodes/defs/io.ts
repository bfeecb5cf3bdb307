import { z } from 'zod';
import { defineNode, fail, firstProblem, IN, needRank, OUT, ok, same } from '../helpers.js';
import { EMBEDDING_DEFAULT, initEntry, initParam, KERNEL_KINDS } from '../init.js';

const dimSize = z.number().int().min(1).max(65_536);

export const Input = defineNode({
  type: 'Input',
  title: 'Input',
  category: 'io',
  doc: 'A model input of a fixed per-sample shape (batch excluded), e.g. [64,64,3] for images or [2] for 2D points. In a generator it is usually a Noise node instead.',
  params: z
    .object({
      shape: z
        .array(dimSize)
        .min(1)
        .max(3)
        .default([28, 28, 1])
        .describe('Per-sample shape, batch excluded: [features] or [H,W,C].'),
    })
    .strict(),
  modelInput: { dtype: 'float32', shape: (p) => p.shape, kind: 'data' },
  inputs: () => [],
  outputs: () => OUT,
  infer: ({ params }) => ok({ shape: [null, ...params.shape], dtype: 'float32' }),
  paramCount: () => ({ trainable: 0, nonTrainable: 0 }),
  flops: () => 0,
  layers: () => [],
});

export const Noise = defineNode({
  type: 'Noise',
  title: 'Noise (latent z)',
  category: 'io',
  doc: 'The latent vector z of a generator, [B,dim]. The training loop samples it from the chosen distribution (standard normal in DCGAN and StyleGAN).',
  params: z
    .object({
      dim: dimSize.default(100).describe('Latent dimension (DCGAN: 100).'),
      distribution: z.enum(['normal', 'uniform']).default('normal').describe('normal: N(0,1); uniform: U(-1,1).'),
    })
    .strict(),
  modelInput: { dtype: 'float32', shape: (p) => [p.dim], kind: 'noise' },
  inputs: () => [],
  outputs: () => OUT,
  infer: ({ params }) => ok({ shape: [null, params.dim], dtype: 'float32' }),
  paramCount: () => ({ trainable: 0, nonTrainable: 0 }),
  flops: () => 0,
  layers: () => [],
});

export const Label = defineNode({
  type: 'Label',
  title: 'Label (class id)',
  category: 'io',
  doc: 'A class label input, int32 [B,1] with values in [0, numClasses). Feed it through an Embedding for conditional models.',
  params: z
    .object({ numClasses: z.number().int().min(2).max(100_000).default(10).describe('Number of classes.') })
    .strict(),
  modelInput: { dtype: 'int32', shape: () => [1], kind: 'label' },
  inputs: () => [],
  outputs: () => OUT,
  infer: () => ok({ shape: [null, 1], dtype: 'int32' }),
  paramCount: () => ({ trainable: 0, nonTrainable: 0 }),
  flops: () => 0,
  layers: () => [],
});

export const Embedding = defineNode({
  type: 'Embedding',
  title: 'Embedding',
  category: 'io',
  doc: 'A learned vector per class: int32 labels [B,1] -> [B,dim]. Used by conditional GANs to feed the class into G and D.',
  reference: 'Mirza & Osindero 2014, Conditional GANs; Odena et al. 2017, ACGAN',
  params: z
    .object({
      numClasses: z
        .number()
        .int()
        .min(2)
        .max(100_000)
        .default(10)
        .describe('Number of classes (must match the Label).'),
      dim: z.number().int().min(1).max(65_536).default(50).describe('Embedding size.'),
      embeddingsInitializer: initParam(
        KERNEL_KINDS,
        EMBEDDING_DEFAULT,
        "How the class vectors start (tfjs' and Keras' default: randomUniform(-0.05, 0.05); PyTorch's: randomNormal(0, 1)).",
      ),
    })
    .strict(),
  inputs: () => IN,
  outputs: () => OUT,
  infer: (ctx) => {
    const t = ctx.inputs[0]!;
    if (t.dtype !== 'int32')
      return fail({
        code: 'DTYPE',
        port: 'in',
        message: `Embedding '${ctx.id}' needs int32 class ids from a Label; ${ctx.sources[0]} as float32.`,
      });
    const p = firstProblem(needRank(ctx, 'Embedding', 0, 'in', 2, 'Connect a Label node.'));
    if (p) return p;
    if (t.shape[1] !== 1)
      return fail({
        code: 'SHAPE',
        port: 'in',
        message: `Embedding '${ctx.id}' needs labels of shape [B,1]; ${ctx.sources[0]}.`,
      });
    return ok({ shape: [null, ctx.params.dim], dtype: 'float32' });
  },
  paramCount: (p) => ({ trainable: p.numClasses * p.dim, nonTrainable: 0 }),
  flops: () => 0,
  layers: (p, name) => [
    {
      kind: 'tfjs',
      factory: 'embedding',
      config: {
        inputDim: p.numClasses,
        outputDim: p.dim,
        name: `${name}_embed`,
        ...initEntry('embeddingsInitializer', p.embeddingsInitializer, EMBEDDING_DEFAULT),
      },
    },
    { kind: 'tfjs', factory: 'flatten', config: { name } },
  ],
});

export const Output = defineNode({
  type: 'Output',
  title: 'Output',
  category: 'io',
  doc: "Marks a model output. A generator's output is its sample; a discriminator's is its logit(s) (no sigmoid: the loss node applies it).",
  params: z.object({}).strict(),
  modelOutput: true,
  inputs: () => IN,
  outputs: () => [],
  infer: (ctx) => same(ctx.inputs[0]!),
  paramCount: () => ({ trainable: 0, nonTrainable: 0 }),
  flops: () => 0,
  layers: () => [],
});
