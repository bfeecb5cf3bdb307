import { z } from 'zod';
import { defineNode, fail, firstProblem, IN, lastDim, needFloat, needRank, OUT, same } from '../helpers.js';
import { type Init, initEntry, initParam, ONES, VECTOR_KINDS, ZEROS } from '../init.js';
import type { InferContext, InferResult } from '../types.js';

/** gamma and beta initializers, as BatchNorm, InstanceNorm and LayerNorm take them. */
const affineInit = {
  gammaInitializer: initParam(VECTOR_KINDS, ONES, 'How the scale gamma starts (DCGAN draws it from N(1, 0.02)).'),
  betaInitializer: initParam(VECTOR_KINDS, ZEROS, 'How the shift beta starts.'),
};
function affineEntries(p: { gammaInitializer: Init; betaInitializer: Init }, gamma = true, beta = true) {
  return {
    ...(gamma ? initEntry('gammaInitializer', p.gammaInitializer, ONES) : {}),
    ...(beta ? initEntry('betaInitializer', p.betaInitializer, ZEROS) : {}),
  };
}

const epsilon = (d: number) => z.number().min(1e-12).max(1).default(d).describe('Added to the variance for stability.');

function rank2or4<P>(ctx: InferContext<P>, title: string): InferResult {
  const t = ctx.inputs[0]!;
  const dt = needFloat(ctx, title, 0, 'in');
  if (dt) return { problems: [dt] };
  if (t.shape.length !== 2 && t.shape.length !== 4)
    return fail({
      code: 'RANK',
      port: 'in',
      message: `${title} '${ctx.id}' needs [B,features] or [B,H,W,C]; ${ctx.sources[0]}.`,
    });
  return same(t);
}

export const BatchNorm = defineNode({
  type: 'BatchNorm',
  title: 'BatchNorm',
  category: 'normalization',
  doc: "Batch normalization over the channel axis (Ioffe & Szegedy 2015). DCGAN uses it in G and D (not on G's output or D's input); WGAN-GP critics must not use it (the penalty is per sample).",
  params: z
    .object({
      momentum: z
        .number()
        .min(0)
        .max(1)
        .default(0.9)
        .describe('Moving-average momentum of the statistics (PyTorch momentum 0.1 = 0.9 here).'),
      epsilon: epsilon(1e-5),
      scale: z.boolean().default(true).describe('Learn gamma.'),
      center: z.boolean().default(true).describe('Learn beta.'),
      ...affineInit,
    })
    .strict(),
  inputs: () => IN,
  outputs: () => OUT,
  infer: (ctx) => rank2or4(ctx, 'BatchNorm'),
  paramCount: (p, [x]) => ({
    trainable: lastDim(x!) * ((p.scale ? 1 : 0) + (p.center ? 1 : 0)),
    nonTrainable: 2 * lastDim(x!),
  }),
  flops: (_p, [x]) => 4 * x!.shape.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1),
  layers: (p, name) => {
    const config = {
      name,
      axis: -1,
      momentum: p.momentum,
      epsilon: p.epsilon,
      scale: p.scale,
      center: p.center,
      ...affineEntries(p, p.scale, p.center),
    };
    // Without gamma or beta, tfjs' own layer cannot train: ganvas' subclass can (nodes/layers/custom.ts).
    return p.scale && p.center
      ? [{ kind: 'tfjs', factory: 'batchNormalization', config }]
      : [{ kind: 'custom', name: 'BatchNorm', config }];
  },
});

export const InstanceNorm = defineNode({
  type: 'InstanceNorm',
  title: 'InstanceNorm',
  category: 'normalization',
  doc: 'Instance normalization (Ulyanov et al. 2016): normalizes each sample and channel over H and W. Used by CycleGAN and pix2pix generators.',
  params: z
    .object({
      affine: z.boolean().default(true).describe('Learn a scale and shift per channel.'),
      epsilon: epsilon(1e-5),
      ...affineInit,
    })
    .strict(),
  inputs: () => IN,
  outputs: () => OUT,
  infer: (ctx) =>
    firstProblem(needRank(ctx, 'InstanceNorm', 0, 'in', 4), needFloat(ctx, 'InstanceNorm', 0, 'in')) ??
    same(ctx.inputs[0]!),
  paramCount: (p, [x]) => ({ trainable: p.affine ? 2 * lastDim(x!) : 0, nonTrainable: 0 }),
  flops: (_p, [x]) => 5 * x!.shape.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1),
  layers: (p, name) => [
    {
      kind: 'custom',
      name: 'InstanceNorm',
      config: { name, affine: p.affine, epsilon: p.epsilon, ...affineEntries(p, p.affine, p.affine) },
    },
  ],
});

export const LayerNorm = defineNode({
  type: 'LayerNorm',
  title: 'LayerNorm',
  category: 'normalization',
  doc: 'Layer normalization over the last (channel) axis (Ba et al. 2016). Safe in WGAN-GP critics, unlike BatchNorm.',
  params: z.object({ epsilon: epsilon(1e-5), ...affineInit }).strict(),
  inputs: () => IN,
  outputs: () => OUT,
  infer: (ctx) => rank2or4(ctx, 'LayerNorm'),
  paramCount: (_p, [x]) => ({ trainable: 2 * lastDim(x!), nonTrainable: 0 }),
  flops: (_p, [x]) => 5 * x!.shape.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1),
  layers: (p, name) => [
    {
      kind: 'tfjs',
      factory: 'layerNormalization',
      config: { name, axis: -1, epsilon: p.epsilon, ...affineEntries(p) },
    },
  ],
});

export const PixelNorm = defineNode({
  type: 'PixelNorm',
  title: 'PixelNorm',
  category: 'normalization',
  doc: 'Pixel-wise feature vector normalization (Karras et al. 2018, ProGAN): x / sqrt(mean_c(x^2) + eps). Used in the StyleGAN mapping network on z.',
  reference: 'Karras et al. 2018, Progressive Growing of GANs, sec. 4.2',
  params: z.object({ epsilon: epsilon(1e-8) }).strict(),
  inputs: () => IN,
  outputs: () => OUT,
  infer: (ctx) => rank2or4(ctx, 'PixelNorm'),
  paramCount: () => ({ trainable: 0, nonTrainable: 0 }),
  flops: (_p, [x]) => 3 * x!.shape.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1),
  layers: (p, name) => [{ kind: 'custom', name: 'PixelNorm', config: { name, epsilon: p.epsilon } }],
});
