import { z } from 'zod';
import { defineNode, fail, firstProblem, IN, lastDim, needFloat, needRank, OUT, ok } from '../helpers.js';
import {
  GLOROT_NORMAL,
  type Init,
  initEntry,
  initParam,
  KERNEL_KINDS,
  reparamKernelEntry,
  VECTOR_KINDS,
  ZEROS,
} from '../init.js';
import { convOut, convTransposeOut } from '../layers/custom.js';
import type { LayerSpec, TensorType } from '../types.js';

/** The reparametrisation options shared by Dense and the convolutions. */
const reparam = {
  useBias: z.boolean().default(true).describe('Add a learned bias per output unit.'),
  spectralNorm: z
    .boolean()
    .default(false)
    .describe(
      'Spectral normalization (Miyato et al. 2018): divide W by its largest singular value, estimated by power iteration.',
    ),
  equalizedLR: z
    .boolean()
    .default(false)
    .describe('Equalized learning rate (Karras et al. 2018): weights ~ N(0,1) scaled at run time by sqrt(2/fan_in).'),
  kernelInitializer: initParam(
    KERNEL_KINDS,
    GLOROT_NORMAL,
    "How the weights start (Keras' names). The default is tfjs' own, glorotNormal (a normal truncated at 2 std); with spectralNorm on it stands for glorotUniform, with equalizedLR for N(0,1), as ProGAN draws them.",
  ),
  biasInitializer: initParam(VECTOR_KINDS, ZEROS, 'How the bias starts (when useBias is on).'),
};

/** The initializer entries of a weighted layer's config: only those that differ from the layer's default. */
function initConfig(p: { kernelInitializer: Init; biasInitializer: Init; useBias: boolean }, equalizedLR?: boolean) {
  return {
    ...(equalizedLR === undefined
      ? initEntry('kernelInitializer', p.kernelInitializer, GLOROT_NORMAL)
      : reparamKernelEntry(p.kernelInitializer, GLOROT_NORMAL, equalizedLR)),
    ...(p.useBias ? initEntry('biasInitializer', p.biasInitializer, ZEROS) : {}),
  };
}

const units = z.number().int().min(1).max(1_000_000);
const kernelSize = z.number().int().min(1).max(31).default(4).describe('Square kernel size.');
const strides = z.number().int().min(1).max(16).default(2).describe('Stride along H and W.');
const padding = z.enum(['same', 'valid']).default('same').describe("'same' keeps H/stride; 'valid' uses no padding.");

export const Dense = defineNode({
  type: 'Dense',
  title: 'Dense',
  category: 'dense',
  doc: 'Fully connected layer: [B,in] -> [B,units]. No activation: add one as its own node.',
  params: z.object({ units: units.default(128).describe('Output features.'), ...reparam }).strict(),
  inputs: () => IN,
  outputs: () => OUT,
  infer: (ctx) =>
    firstProblem(needRank(ctx, 'Dense', 0, 'in', 2), needFloat(ctx, 'Dense', 0, 'in')) ??
    ok({ shape: [null, ctx.params.units], dtype: 'float32' }),
  paramCount: (p, [x]) => ({
    trainable: lastDim(x!) * p.units + (p.useBias ? p.units : 0),
    nonTrainable: p.spectralNorm ? p.units : 0,
  }),
  flops: (p, [x]) => 2 * lastDim(x!) * p.units,
  layers: (p, name): LayerSpec[] =>
    p.spectralNorm || p.equalizedLR
      ? [
          {
            kind: 'custom',
            name: 'ReparamDense',
            config: {
              name,
              units: p.units,
              useBias: p.useBias,
              spectralNorm: p.spectralNorm,
              equalizedLR: p.equalizedLR,
              ...initConfig(p, p.equalizedLR),
            },
          },
        ]
      : [{ kind: 'tfjs', factory: 'dense', config: { name, units: p.units, useBias: p.useBias, ...initConfig(p) } }],
});

function spatial(title: string, ctx: { id: string; inputs: TensorType[]; sources: string[]; params: unknown }) {
  return firstProblem(needRank(ctx, title, 0, 'in', 4), needFloat(ctx, title, 0, 'in'));
}

export const Conv2D = defineNode({
  type: 'Conv2D',
  title: 'Conv2D',
  category: 'convolution',
  doc: "A 2D convolution over NHWC tensors: [B,H,W,C] -> [B,H',W',filters]. With stride 2 it halves H and W (the DCGAN discriminator downsamples this way).",
  params: z
    .object({ filters: units.default(64).describe('Output channels.'), kernelSize, strides, padding, ...reparam })
    .strict(),
  inputs: () => IN,
  outputs: () => OUT,
  infer: (ctx) => {
    const bad = spatial('Conv2D', ctx);
    if (bad) return bad;
    const { kernelSize: k, strides: s, padding: pad, filters } = ctx.params;
    const [, h, w] = ctx.inputs[0]!.shape as [null, number, number, number];
    if (pad === 'valid' && (h < k || w < k))
      return fail({
        code: 'SHAPE',
        port: 'in',
        message: `Conv2D '${ctx.id}' has a ${k}x${k} kernel with 'valid' padding but ${ctx.sources[0]}, smaller than the kernel. Use 'same' padding or a smaller kernel.`,
      });
    return ok({ shape: [null, convOut(h, k, s, pad), convOut(w, k, s, pad), filters], dtype: 'float32' });
  },
  paramCount: (p, [x]) => ({
    trainable: p.kernelSize * p.kernelSize * lastDim(x!) * p.filters + (p.useBias ? p.filters : 0),
    nonTrainable: p.spectralNorm ? p.filters : 0,
  }),
  flops: (p, [x], [y]) =>
    2 * p.kernelSize * p.kernelSize * lastDim(x!) * p.filters * (y!.shape[1] ?? 1) * (y!.shape[2] ?? 1),
  layers: (p, name): LayerSpec[] =>
    p.spectralNorm || p.equalizedLR
      ? [
          {
            kind: 'custom',
            name: 'ReparamConv2D',
            config: {
              name,
              filters: p.filters,
              kernelSize: p.kernelSize,
              strides: p.strides,
              padding: p.padding,
              useBias: p.useBias,
              spectralNorm: p.spectralNorm,
              equalizedLR: p.equalizedLR,
              ...initConfig(p, p.equalizedLR),
            },
          },
        ]
      : [
          {
            kind: 'tfjs',
            factory: 'conv2d',
            config: {
              name,
              filters: p.filters,
              kernelSize: p.kernelSize,
              strides: p.strides,
              padding: p.padding,
              useBias: p.useBias,
              ...initConfig(p),
            },
          },
        ],
});

export const ConvTranspose2D = defineNode({
  type: 'ConvTranspose2D',
  title: 'ConvTranspose2D',
  category: 'convolution',
  doc: "A transposed ('fractionally strided') convolution: with stride 2 and 'same' padding it doubles H and W. The DCGAN generator upsamples this way (kernel 4, stride 2).",
  params: z
    .object({ filters: units.default(64).describe('Output channels.'), kernelSize, strides, padding, ...reparam })
    .strict(),
  inputs: () => IN,
  outputs: () => OUT,
  infer: (ctx) => {
    const bad = spatial('ConvTranspose2D', ctx);
    if (bad) return bad;
    const { kernelSize: k, strides: s, padding: pad, filters } = ctx.params;
    const [, h, w] = ctx.inputs[0]!.shape as [null, number, number, number];
    return ok({
      shape: [null, convTransposeOut(h, k, s, pad), convTransposeOut(w, k, s, pad), filters],
      dtype: 'float32',
    });
  },
  paramCount: (p, [x]) => ({
    trainable: p.kernelSize * p.kernelSize * lastDim(x!) * p.filters + (p.useBias ? p.filters : 0),
    nonTrainable: p.spectralNorm ? lastDim(x!) : 0,
  }),
  flops: (p, [x]) =>
    2 * p.kernelSize * p.kernelSize * lastDim(x!) * p.filters * (x!.shape[1] ?? 1) * (x!.shape[2] ?? 1),
  layers: (p, name): LayerSpec[] =>
    p.spectralNorm || p.equalizedLR
      ? [
          {
            kind: 'custom',
            name: 'ReparamConv2DTranspose',
            config: {
              name,
              filters: p.filters,
              kernelSize: p.kernelSize,
              strides: p.strides,
              padding: p.padding,
              useBias: p.useBias,
              spectralNorm: p.spectralNorm,
              equalizedLR: p.equalizedLR,
              ...initConfig(p, p.equalizedLR),
            },
          },
        ]
      : [
          {
            kind: 'tfjs',
            factory: 'conv2dTranspose',
            config: {
              name,
              filters: p.filters,
              kernelSize: p.kernelSize,
              strides: p.strides,
              padding: p.padding,
              useBias: p.useBias,
              ...initConfig(p),
            },
          },
        ],
});

const factor = z.number().int().min(2).max(16).default(2).describe('Scale factor along H and W.');

export const Upsample = defineNode({
  type: 'Upsample',
  title: 'Upsample',
  category: 'resample',
  doc: 'Resizes [B,H,W,C] to [B,fH,fW,C] by nearest-neighbour or bilinear interpolation. Upsample followed by a Conv2D avoids the checkerboard artifacts of transposed convolutions.',
  params: z.object({ factor, interpolation: z.enum(['nearest', 'bilinear']).default('nearest') }).strict(),
  inputs: () => IN,
  outputs: () => OUT,
  infer: (ctx) => {
    const bad = spatial('Upsample', ctx);
    if (bad) return bad;
    const [, h, w, c] = ctx.inputs[0]!.shape as number[];
    const f = ctx.params.factor;
    return ok({ shape: [null, h! * f, w! * f, c!], dtype: 'float32' });
  },
  paramCount: () => ({ trainable: 0, nonTrainable: 0 }),
  flops: (p, _x, [y]) =>
    (p.interpolation === 'bilinear' ? 4 : 0) * ((y!.shape[1] ?? 1) * (y!.shape[2] ?? 1) * lastDim(y!)),
  layers: (p, name) => [
    {
      kind: 'tfjs',
      factory: 'upSampling2d',
      config: { name, size: [p.factor, p.factor], interpolation: p.interpolation },
    },
  ],
});

export const GlobalSumPool = defineNode({
  type: 'GlobalSumPool',
  title: 'Global sum pool',
  category: 'resample',
  doc: "Sums over H and W: [B,H,W,C] -> [B,C]. SNGAN's and BigGAN's discriminators end in ReLU then this global sum pool, which feeds the Projection (phi(x)). A sum, not an average: the features grow with the image's area, as in the papers' code.",
  reference:
    'Miyato & Koyama 2018, cGANs with Projection Discriminator (ResNet D); Brock et al. 2019, BigGAN (D architecture, app. B)',
  params: z.object({}).strict(),
  inputs: () => IN,
  outputs: () => OUT,
  infer: (ctx) => {
    const bad = spatial('GlobalSumPool', ctx);
    if (bad) return bad;
    return ok({ shape: [null, lastDim(ctx.inputs[0]!)], dtype: 'float32' });
  },
  paramCount: () => ({ trainable: 0, nonTrainable: 0 }),
  flops: (_p, [x]) => (x!.shape[1] ?? 1) * (x!.shape[2] ?? 1) * lastDim(x!),
  layers: (_p, name) => [{ kind: 'custom', name: 'GlobalSumPool', config: { name } }],
});

export const Downsample = defineNode({
  type: 'Downsample',
  title: 'Downsample (AvgPool)',
  category: 'resample',
  doc: 'Average pooling over factor x factor windows: [B,H,W,C] -> [B,H/f,W/f,C]. H and W must be divisible by the factor.',
  params: z.object({ factor }).strict(),
  inputs: () => IN,
  outputs: () => OUT,
  infer: (ctx) => {
    const bad = spatial('Downsample', ctx);
    if (bad) return bad;
    const [, h, w, c] = ctx.inputs[0]!.shape as number[];
    const f = ctx.params.factor;
    if (h! % f !== 0 || w! % f !== 0)
      return fail({
        code: 'SHAPE',
        port: 'in',
        message: `Downsample '${ctx.id}' by ${f} needs H and W divisible by ${f}; ${ctx.sources[0]}. Pad or resize first, or change the factor.`,
      });
    return ok({ shape: [null, h! / f, w! / f, c!], dtype: 'float32' });
  },
  paramCount: () => ({ trainable: 0, nonTrainable: 0 }),
  flops: (_p, [x]) => (x!.shape[1] ?? 1) * (x!.shape[2] ?? 1) * lastDim(x!),
  layers: (p, name) => [
    {
      kind: 'tfjs',
      factory: 'averagePooling2d',
      config: { name, poolSize: [p.factor, p.factor], strides: [p.factor, p.factor], padding: 'valid' },
    },
  ],
});
