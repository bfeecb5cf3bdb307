import { z } from 'zod';
import {
  defineNode,
  fail,
  firstProblem,
  IN,
  lastDim,
  needFloat,
  needRank,
  OUT,
  ok,
  perSample,
  same,
} from '../helpers.js';
import { GLOROT_UNIFORM, initEntry, initParam, KERNEL_KINDS, ONES, VECTOR_KINDS } from '../init.js';

export const MinibatchStdDev = defineNode({
  type: 'MinibatchStdDev',
  title: 'Minibatch StdDev',
  category: 'style',
  doc: "Appends one channel holding the average standard deviation of features across a group of samples, so the discriminator can see a collapsed batch (ProGAN). Place it before the discriminator's last convolutions.",
  reference: 'Karras et al. 2018, Progressive Growing of GANs, sec. 3',
  params: z
    .object({
      groupSize: z
        .number()
        .int()
        .min(1)
        .max(64)
        .default(4)
        .describe('Samples per statistics group (falls back to the batch when it does not divide it).'),
    })
    .strict(),
  inputs: () => IN,
  outputs: () => OUT,
  infer: (ctx) => {
    const bad = firstProblem(needRank(ctx, 'MinibatchStdDev', 0, 'in', 4), needFloat(ctx, 'MinibatchStdDev', 0, 'in'));
    if (bad) return bad;
    const s = ctx.inputs[0]!.shape;
    return ok({ shape: [...s.slice(0, 3), (s[3] ?? 0) + 1], dtype: 'float32' });
  },
  paramCount: () => ({ trainable: 0, nonTrainable: 0 }),
  flops: (_p, [x]) => 4 * perSample(x!),
  layers: (p, name) => [{ kind: 'custom', name: 'MinibatchStdDev', config: { name, groupSize: p.groupSize } }],
});

export const FadeIn = defineNode({
  type: 'FadeIn',
  title: 'Fade-in (progressive)',
  category: 'style',
  doc: "Blends a progressively grown block in (ProGAN): out = old + alpha (new - old), both inputs of one shape. alpha follows the training graph's Progressive node: 0 until the fade into `resolution` begins (the new path's weights get zero gradients), rising linearly over its fadeImages, 1 after. In G: new = toRGB of the block at `resolution`, old = the previous resolution's output upsampled. In D: new = the block that takes resolution x resolution input (after its downsampling), old = fromRGB of the image downsampled. Without a Progressive node alpha is 1: the full network.",
  reference: 'Karras et al. 2018, Progressive Growing of GANs, sec. 2 and fig. 2',
  params: z
    .object({
      resolution: z
        .number()
        .int()
        .min(2)
        .max(4096)
        .default(8)
        .describe('The resolution this block brings in (a power of two above the Progressive start).'),
    })
    .strict(),
  inputs: () => [
    { name: 'new', doc: "The new block's path." },
    { name: 'old', doc: 'The lower-resolution path, brought to the same shape.' },
  ],
  outputs: () => OUT,
  infer: (ctx) => {
    const bad = firstProblem(needFloat(ctx, 'FadeIn', 0, 'new'), needFloat(ctx, 'FadeIn', 1, 'old'));
    if (bad) return bad;
    const a = ctx.inputs[0]!;
    const b = ctx.inputs[1]!;
    if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i]))
      return fail({
        code: a.shape.length !== b.shape.length ? 'RANK' : 'SHAPE',
        port: 'old',
        message: `FadeIn '${ctx.id}' blends two paths of one shape: new is ${ctx.sources[0]} but old ${ctx.sources[1]}. Upsample (G) or downsample (D) the old path to match.`,
      });
    if ((ctx.params.resolution & (ctx.params.resolution - 1)) !== 0)
      return fail({
        code: 'SHAPE',
        message: `FadeIn '${ctx.id}': resolution ${ctx.params.resolution} is not a power of two.`,
      });
    return ok({ shape: [...a.shape], dtype: 'float32' });
  },
  paramCount: () => ({ trainable: 0, nonTrainable: 0 }),
  flops: (_p, [x]) => 3 * perSample(x!),
  layers: (p, name) => [{ kind: 'custom', name: 'FadeIn', config: { name, resolution: p.resolution } }],
});

export const SelfAttention = defineNode({
  type: 'SelfAttention',
  title: 'Self-Attention',
  category: 'attention',
  doc: 'SAGAN self-attention: every position attends to every other through 1x1 projections f, g, h (to C/reduction channels) and v (back to C); y = x + gamma*o with gamma starting at 0. Cost grows with (H*W)^2: use it at 32x32 or below.',
  reference: 'Zhang et al. 2019, Self-Attention GANs, sec. 3',
  params: z
    .object({
      reduction: z.number().int().min(1).max(64).default(8).describe('Channel reduction of the f, g, h projections.'),
      kernelInitializer: initParam(
        KERNEL_KINDS,
        GLOROT_UNIFORM,
        'How the f, g, h, v projections start (gamma always starts at 0).',
      ),
    })
    .strict(),
  inputs: () => IN,
  outputs: () => OUT,
  infer: (ctx) =>
    firstProblem(needRank(ctx, 'SelfAttention', 0, 'in', 4), needFloat(ctx, 'SelfAttention', 0, 'in')) ??
    same(ctx.inputs[0]!),
  paramCount: (p, [x]) => {
    const c = lastDim(x!);
    const k = Math.max(1, Math.floor(c / p.reduction));
    return { trainable: 4 * c * k + 1, nonTrainable: 0 };
  },
  flops: (p, [x]) => {
    const c = lastDim(x!);
    const k = Math.max(1, Math.floor(c / p.reduction));
    const n = (x!.shape[1] ?? 1) * (x!.shape[2] ?? 1);
    return 2 * n * c * k * 4 + 2 * n * n * k * 2 + 5 * n * n;
  },
  layers: (p, name) => [
    {
      kind: 'custom',
      name: 'SelfAttention',
      config: { name, reduction: p.reduction, ...initEntry('kernelInitializer', p.kernelInitializer, GLOROT_UNIFORM) },
    },
  ],
});

export const LearnedConstant = defineNode({
  type: 'LearnedConstant',
  title: 'Learned Constant',
  category: 'style',
  doc: "StyleGAN's synthesis input: a trained [H,W,C] tensor repeated over the batch. Wire any tensor of the batch (usually w) into it; only its batch size is used.",
  reference: 'Karras et al. 2019, StyleGAN, sec. 2',
  params: z
    .object({
      height: z.number().int().min(1).max(64).default(4),
      width: z.number().int().min(1).max(64).default(4),
      channels: z.number().int().min(1).max(4096).default(128),
      constantInitializer: initParam(VECTOR_KINDS, ONES, 'How the constant starts (StyleGAN: ones).'),
    })
    .strict(),
  inputs: () => [{ name: 'batch', doc: 'Any tensor whose batch size the constant is repeated to.' }],
  outputs: () => OUT,
  infer: ({ params }) => ok({ shape: [null, params.height, params.width, params.channels], dtype: 'float32' }),
  paramCount: (p) => ({ trainable: p.height * p.width * p.channels, nonTrainable: 0 }),
  flops: () => 0,
  layers: (p, name) => [
    {
      kind: 'custom',
      name: 'LearnedConstant',
      config: {
        name,
        height: p.height,
        width: p.width,
        channels: p.channels,
        ...initEntry('constantInitializer', p.constantInitializer, ONES),
      },
    },
  ],
});

export const StyleModulation = defineNode({
  type: 'StyleModulation',
  title: 'Style Modulation (AdaIN)',
  category: 'style',
  doc: 'AdaIN: normalizes each channel of x per sample, then scales and shifts it by a learned affine map of the style w: y = ys*(x-mu)/sigma + yb, [ys,yb] = A w + b (ys bias starts at 1).',
  reference: 'Karras et al. 2019, StyleGAN, eq. 1',
  params: z
    .object({
      epsilon: z.number().min(1e-12).max(1).default(1e-5),
      kernelInitializer: initParam(
        KERNEL_KINDS,
        GLOROT_UNIFORM,
        'How the style affine map A starts (its bias always starts at 1 for y_s and 0 for y_b).',
      ),
    })
    .strict(),
  inputs: () => [
    { name: 'in', doc: 'Feature map [B,H,W,C].' },
    { name: 'style', doc: 'Style vector w [B,D] from the mapping network.' },
  ],
  outputs: () => OUT,
  infer: (ctx) => {
    const bad = firstProblem(
      needRank(ctx, 'StyleModulation', 0, 'in', 4),
      needFloat(ctx, 'StyleModulation', 0, 'in'),
      needFloat(ctx, 'StyleModulation', 1, 'style'),
    );
    if (bad) return bad;
    if (ctx.inputs[1]!.shape.length !== 2)
      return fail({
        code: 'RANK',
        port: 'style',
        message: `StyleModulation '${ctx.id}' needs a style vector [B,D] on 'style'; ${ctx.sources[1]}. Add a Flatten.`,
      });
    return same(ctx.inputs[0]!);
  },
  paramCount: (_p, [x, w]) => ({ trainable: lastDim(w!) * 2 * lastDim(x!) + 2 * lastDim(x!), nonTrainable: 0 }),
  flops: (_p, [x, w]) => 2 * lastDim(w!) * 2 * lastDim(x!) + 6 * perSample(x!),
  layers: (p, name) => [
    {
      kind: 'custom',
      name: 'StyleModulation',
      config: { name, epsilon: p.epsilon, ...initEntry('kernelInitializer', p.kernelInitializer, GLOROT_UNIFORM) },
    },
  ],
});

export const NoiseInjection = defineNode({
  type: 'NoiseInjection',
  title: 'Noise Injection',
  category: 'style',
  doc: 'Adds per-pixel Gaussian noise, scaled by a learned per-channel strength (starting at 0), for stochastic detail (StyleGAN "B").',
  reference: 'Karras et al. 2019, StyleGAN, sec. 3.2',
  params: z.object({}).strict(),
  inputs: () => IN,
  outputs: () => OUT,
  infer: (ctx) =>
    firstProblem(needRank(ctx, 'NoiseInjection', 0, 'in', 4), needFloat(ctx, 'NoiseInjection', 0, 'in')) ??
    same(ctx.inputs[0]!),
  paramCount: (_p, [x]) => ({ trainable: lastDim(x!), nonTrainable: 0 }),
  flops: (_p, [x]) => 2 * perSample(x!),
  layers: (_p, name) => [{ kind: 'custom', name: 'NoiseInjection', config: { name } }],
});
