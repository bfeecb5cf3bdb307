/**
 * BigGAN's conditioning nodes (issue 17.5): class-conditional BatchNorm in G and
 * the projection discriminator's output in D. Their layers: nodes/layers/custom.ts.
 */
import { z } from 'zod';
import { defineNode, fail, firstProblem, lastDim, needFloat, needRank, perSample, same } from '../helpers.js';
import { GLOROT_UNIFORM, initEntry, initParam, KERNEL_KINDS } from '../init.js';

export const ConditionalBatchNorm = defineNode({
  type: 'ConditionalBatchNorm',
  title: 'Conditional BatchNorm',
  category: 'normalization',
  doc: "Class-conditional batch normalization (BigGAN): BatchNorm without its own affine, then a per-sample, per-channel gain and bias from a conditioning vector e: y = BN(x) * (1 + e W_g) + e W_b. Feed 'cond' with a class Embedding (BigGAN: one shared embedding for every block, concatenated with a chunk of z). Moving statistics as BatchNorm.",
  reference: 'Brock et al. 2019, BigGAN, sec. 3 and app. B; de Vries et al. 2017, Modulating early visual processing',
  params: z
    .object({
      momentum: z
        .number()
        .min(0)
        .max(1)
        .default(0.9)
        .describe('Moving-average momentum of the statistics (PyTorch momentum 0.1 = 0.9 here).'),
      epsilon: z.number().min(1e-12).max(1).default(1e-5).describe('Added to the variance for stability.'),
      spectralNorm: z
        .boolean()
        .default(false)
        .describe(
          "Spectral normalization of W_g and W_b (Miyato et al. 2018): BigGAN's G puts it on every linear map, these included.",
        ),
      kernelInitializer: initParam(
        KERNEL_KINDS,
        GLOROT_UNIFORM,
        'How the gain and bias maps W_g, W_b start (BigGAN: orthogonal). The gain is 1 + e W_g.',
      ),
    })
    .strict(),
  inputs: () => [
    { name: 'in', doc: 'Features [B,H,W,C] or [B,C].' },
    { name: 'cond', doc: 'Conditioning vector e [B,D]: a class embedding, or [shared embedding, z chunk].' },
  ],
  outputs: () => [{ name: 'out', doc: 'Output tensor.' }],
  infer: (ctx) => {
    const bad = firstProblem(
      needFloat(ctx, 'ConditionalBatchNorm', 0, 'in'),
      needFloat(ctx, 'ConditionalBatchNorm', 1, 'cond'),
    );
    if (bad) return bad;
    const x = ctx.inputs[0]!;
    if (x.shape.length !== 2 && x.shape.length !== 4)
      return fail({
        code: 'RANK',
        port: 'in',
        message: `ConditionalBatchNorm '${ctx.id}' needs [B,features] or [B,H,W,C] on 'in'; ${ctx.sources[0]}.`,
      });
    if (ctx.inputs[1]!.shape.length !== 2)
      return fail({
        code: 'RANK',
        port: 'cond',
        message: `ConditionalBatchNorm '${ctx.id}' needs a conditioning vector [B,D] on 'cond'; ${ctx.sources[1]}. Feed it a class Embedding (or a Concat of one and a z chunk).`,
      });
    return same(x);
  },
  paramCount: (p, [x, e]) => ({
    trainable: 2 * lastDim(e!) * lastDim(x!),
    nonTrainable: (p.spectralNorm ? 4 : 2) * lastDim(x!),
  }),
  flops: (_p, [x, e]) => 2 * 2 * lastDim(e!) * lastDim(x!) + 6 * perSample(x!),
  layers: (p, name) => [
    {
      kind: 'custom',
      name: 'ConditionalBatchNorm',
      config: {
        name,
        momentum: p.momentum,
        epsilon: p.epsilon,
        ...(p.spectralNorm ? { spectralNorm: true } : {}),
        ...initEntry('kernelInitializer', p.kernelInitializer, GLOROT_UNIFORM),
      },
    },
  ],
});

export const Projection = defineNode({
  type: 'Projection',
  title: 'Projection (cGAN D output)',
  category: 'dense',
  doc: "The projection discriminator's output: logit = <embed(y), phi(x)> + (with 'linear') phi(x) w + b, where phi(x) are D's features [B,F] (BigGAN: ReLU then a global sum pool) and y the class [B,1]. The node holds both terms; turn 'linear' off to wire your own Dense for psi and Add it. Spectral norm divides the class embedding and w by their largest singular values.",
  reference: 'Miyato & Koyama 2018, cGANs with Projection Discriminator, eq. 3; Brock et al. 2019, BigGAN',
  params: z
    .object({
      numClasses: z
        .number()
        .int()
        .min(2)
        .max(100_000)
        .default(10)
        .describe('Number of classes (must match the Label).'),
      linear: z.boolean().default(true).describe('Add the unconditional term psi(phi(x)) = phi(x) w + b.'),
      spectralNorm: z
        .boolean()
        .default(false)
        .describe('Spectral normalization of the class embedding and of w (Miyato et al. 2018; BigGAN uses it).'),
      kernelInitializer: initParam(
        KERNEL_KINDS,
        GLOROT_UNIFORM,
        'How the class embedding and w start (BigGAN: orthogonal). The bias starts at 0.',
      ),
    })
    .strict(),
  inputs: () => [
    { name: 'in', doc: "D's features phi(x) [B,F]." },
    { name: 'label', doc: 'Class labels [B,1] int32 (a Label node).' },
  ],
  outputs: () => [{ name: 'out', doc: 'The logit [B,1].' }],
  infer: (ctx) => {
    const bad = firstProblem(
      needRank(ctx, 'Projection', 0, 'in', 2),
      needFloat(ctx, 'Projection', 0, 'in'),
      needRank(ctx, 'Projection', 1, 'label', 2, 'Connect a Label node.'),
    );
    if (bad) return bad;
    const y = ctx.inputs[1]!;
    if (y.dtype !== 'int32' || y.shape[1] !== 1)
      return fail({
        code: y.dtype !== 'int32' ? 'DTYPE' : 'SHAPE',
        port: 'label',
        message: `Projection '${ctx.id}' needs int32 class ids [B,1] from a Label on 'label'; ${ctx.sources[1]}.`,
      });
    return { outputs: [{ shape: [null, 1], dtype: 'float32' }] };
  },
  paramCount: (p, [x]) => {
    const f = lastDim(x!);
    return {
      trainable: p.numClasses * f + (p.linear ? f + 1 : 0),
      nonTrainable: p.spectralNorm ? f + (p.linear ? 1 : 0) : 0,
    };
  },
  flops: (p, [x]) => (p.linear ? 4 : 2) * lastDim(x!),
  layers: (p, name) => [
    {
      kind: 'custom',
      name: 'Projection',
      config: {
        name,
        numClasses: p.numClasses,
        linear: p.linear,
        spectralNorm: p.spectralNorm,
        ...initEntry('kernelInitializer', p.kernelInitializer, GLOROT_UNIFORM),
      },
    },
  ],
});
