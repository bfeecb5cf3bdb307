import { z } from 'zod';
import { defineNode, fail, firstProblem, fmtShape, IN, needFloat, needRank, OUT, ok, perSample } from '../helpers.js';

export const Reshape = defineNode({
  type: 'Reshape',
  title: 'Reshape',
  category: 'shape',
  doc: 'Reinterprets each sample with a new shape of the same size, e.g. [B,16384] -> [B,4,4,1024] after the first Dense of a DCGAN generator. One entry may be -1 (inferred).',
  params: z
    .object({
      shape: z
        .array(
          z
            .number()
            .int()
            .min(-1)
            .max(1_000_000)
            .refine((d) => d !== 0, 'a dimension cannot be 0'),
        )
        .min(1)
        .max(4)
        .default([4, 4, 64])
        .refine((s) => s.filter((d) => d === -1).length <= 1, 'at most one dimension may be -1')
        .describe('Per-sample target shape, batch excluded.'),
    })
    .strict(),
  inputs: () => IN,
  outputs: () => OUT,
  infer: (ctx) => {
    const n = perSample(ctx.inputs[0]!);
    const known = ctx.params.shape.filter((d) => d !== -1).reduce((a, d) => a * d, 1);
    const hasFree = ctx.params.shape.includes(-1);
    if ((hasFree && n % known !== 0) || (!hasFree && n !== known))
      return fail({
        code: 'SHAPE',
        port: 'in',
        message: `Reshape '${ctx.id}' to ${fmtShape([null, ...ctx.params.shape])} needs ${hasFree ? `a multiple of ${known}` : known} values per sample; ${ctx.sources[0]}, ${n} values.`,
      });
    return ok({
      shape: [null, ...ctx.params.shape.map((d) => (d === -1 ? n / known : d))],
      dtype: ctx.inputs[0]!.dtype,
    });
  },
  paramCount: () => ({ trainable: 0, nonTrainable: 0 }),
  flops: () => 0,
  // -1 is resolved here so that tfjs knows every dimension downstream.
  layers: (p, name, [x]) => {
    const n = perSample(x!);
    const known = p.shape.filter((d) => d !== -1).reduce((a, d) => a * d, 1);
    return [
      {
        kind: 'tfjs',
        factory: 'reshape',
        config: { name, targetShape: p.shape.map((d) => (d === -1 ? n / known : d)) },
      },
    ];
  },
});

export const Flatten = defineNode({
  type: 'Flatten',
  title: 'Flatten',
  category: 'shape',
  doc: 'Flattens each sample to a vector: [B,H,W,C] -> [B,H*W*C].',
  params: z.object({}).strict(),
  inputs: () => IN,
  outputs: () => OUT,
  infer: (ctx) => ok({ shape: [null, perSample(ctx.inputs[0]!)], dtype: ctx.inputs[0]!.dtype }),
  paramCount: () => ({ trainable: 0, nonTrainable: 0 }),
  flops: () => 0,
  // A [B,n] tensor is already flat: no layer (tfjs' Flatten refuses rank 2).
  layers: (_p, name, [x]) => (x!.shape.length <= 2 ? [] : [{ kind: 'tfjs', factory: 'flatten', config: { name } }]),
});

export const ReflectionPad = defineNode({
  type: 'ReflectionPad',
  title: 'ReflectionPad',
  category: 'shape',
  doc: 'Pads H and W by mirroring the border (no edge repeated). The CycleGAN ResNet generator pads this way before its 7x7 and 3x3 convolutions.',
  reference: 'Zhu et al. 2017, CycleGAN, appendix 7.2',
  params: z
    .object({ padding: z.number().int().min(1).max(64).default(1).describe('Pixels added on each side.') })
    .strict(),
  inputs: () => IN,
  outputs: () => OUT,
  infer: (ctx) => {
    const bad = firstProblem(needRank(ctx, 'ReflectionPad', 0, 'in', 4), needFloat(ctx, 'ReflectionPad', 0, 'in'));
    if (bad) return bad;
    const [, h, w, c] = ctx.inputs[0]!.shape as number[];
    const p = ctx.params.padding;
    if (p >= h! || p >= w!)
      return fail({
        code: 'SHAPE',
        port: 'in',
        message: `ReflectionPad '${ctx.id}' of ${p} needs H and W larger than ${p}; ${ctx.sources[0]}.`,
      });
    return ok({ shape: [null, h! + 2 * p, w! + 2 * p, c!], dtype: 'float32' });
  },
  paramCount: () => ({ trainable: 0, nonTrainable: 0 }),
  flops: () => 0,
  layers: (p, name) => [{ kind: 'custom', name: 'ReflectionPad', config: { name, padding: p.padding } }],
});

export const ZeroPad = defineNode({
  type: 'ZeroPad',
  title: 'ZeroPad',
  category: 'shape',
  doc: "Pads H and W with zeros. With a 'valid' convolution after it, it reproduces PyTorch's explicit padding exactly (the PatchGAN's last two 4x4 stride-1 convolutions use padding 1).",
  params: z
    .object({ padding: z.number().int().min(1).max(64).default(1).describe('Pixels added on each side.') })
    .strict(),
  inputs: () => IN,
  outputs: () => OUT,
  infer: (ctx) => {
    const bad = firstProblem(needRank(ctx, 'ZeroPad', 0, 'in', 4), needFloat(ctx, 'ZeroPad', 0, 'in'));
    if (bad) return bad;
    const [, h, w, c] = ctx.inputs[0]!.shape as number[];
    const p = ctx.params.padding;
    return ok({ shape: [null, h! + 2 * p, w! + 2 * p, c!], dtype: 'float32' });
  },
  paramCount: () => ({ trainable: 0, nonTrainable: 0 }),
  flops: () => 0,
  layers: (p, name) => [
    {
      kind: 'tfjs',
      factory: 'zeroPadding2d',
      config: {
        name,
        padding: [
          [p.padding, p.padding],
          [p.padding, p.padding],
        ],
      },
    },
  ],
});
