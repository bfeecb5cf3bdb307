/**
 * Weight initializers: the node param, its zod schema, and the one mapping
 * from the param to the LayerSpec config.
 *
 * The param (what a project file holds), Keras'/PyTorch's names and parameters:
 *   { "kind": "glorotUniform" }                     U(-l, l), l = sqrt(6 / (fanIn + fanOut))
 *   { "kind": "glorotNormal" }                      see TRUNCATION below
 *   { "kind": "heUniform" }                         U(-l, l), l = sqrt(6 / fanIn)
 *   { "kind": "heNormal" }                          see TRUNCATION below
 *   { "kind": "randomNormal", "mean": 0, "stddev": 0.05 }
 *   { "kind": "randomUniform", "minval": -0.05, "maxval": 0.05 }
 *   { "kind": "truncatedNormal", "mean": 0, "stddev": 0.05 }   redrawn beyond 2 stddev
 *   { "kind": "orthogonal", "gain": 1 }             W (flattened to [prod(shape[:-1]), shape[-1]]) orthogonal, times gain
 *   { "kind": "zeros" } | { "kind": "ones" }        biases, norms' gamma/beta, constants only
 * Number fields take Keras' defaults when left out.
 *
 * The LayerSpec config (what the compiler, the TypeScript export and the
 * PyTorch export read) holds tfjs-layers' serialized form under tfjs-layers'
 * own keys (kernelInitializer, biasInitializer, gammaInitializer,
 * betaInitializer, embeddingsInitializer; custom layers also constantInitializer):
 *   { className: 'RandomNormal', config: { mean: 0, stddev: 0.02 } }
 * and ONLY when the choice differs from the layer's default, so projects
 * that do not set one build and export exactly as before.
 *
 * The defaults (no key in the config) are the layers' own:
 *   tfjs dense, conv2d, conv2dTranspose kernels: tfjs' GlorotNormal (NOT Keras'
 *     glorot_uniform: tfjs-layers' Dense and BaseConv set DEFAULT_KERNEL_INITIALIZER
 *     = 'glorotNormal'), biases Zeros; embedding: RandomUniform(-0.05, 0.05);
 *     batchNormalization/layerNormalization: gamma Ones, beta Zeros;
 *   custom ReparamDense/ReparamConv2D/ReparamConv2DTranspose (spectral norm or
 *     equalized LR): GlorotUniform, or RandomNormal(0, 1) with equalizedLR, bias Zeros;
 *     StyleModulation and SelfAttention kernels GlorotUniform; InstanceNorm gamma
 *     Ones, beta Zeros; LearnedConstant Ones.
 *
 * Fans (tfjs' computeFans): a [in, out] kernel has fanIn = in, fanOut = out;
 * a conv kernel [k, k, a, b] has fanIn = k*k*a, fanOut = k*k*b. For
 * Conv2D (a = in channels, b = filters) and for ConvTranspose2D (tfjs' layout
 * [k, k, filters, in], so fanIn = k*k*filters), these are the fans PyTorch
 * computes from its own layouts ([out,in,k,k] and [in,out,k,k]).
 *
 * TRUNCATION: tfjs' GlorotNormal and HeNormal (VarianceScaling, 'normal')
 * draw a normal truncated at 2 stddev with stddev = sqrt(scale / n) and no
 * correction, so their standard deviation is 0.8796 * sqrt(scale / n)
 * (Keras 2+ divides by 0.8796 first; PyTorch's xavier_normal_/kaiming_normal_
 * draw an untruncated normal of std sqrt(scale / n)). ganvas trains with
 * tfjs' behaviour; an exporter that wants the same distribution draws
 * trunc_normal(0, sqrt(scale / n), a = -2 sqrt(scale / n), b = +2 sqrt(scale / n)).
 *
 * Draws come from the seeded Math.random (models are built inside
 * random.withSeededMathRandom): never a seed of their own.
 */
import { z } from 'zod';
import type { SerializedInitializer } from './layers/custom.js';

export type { SerializedInitializer } from './layers/custom.js';

export const INIT_KINDS = [
  'glorotUniform',
  'glorotNormal',
  'heUniform',
  'heNormal',
  'randomNormal',
  'randomUniform',
  'truncatedNormal',
  'orthogonal',
  'zeros',
  'ones',
] as const;
export type InitKind = (typeof INIT_KINDS)[number];

export type Init =
  | { kind: 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'zeros' | 'ones' }
  | { kind: 'randomNormal' | 'truncatedNormal'; mean: number; stddev: number }
  | { kind: 'randomUniform'; minval: number; maxval: number }
  | { kind: 'orthogonal'; gain: number };

const LIMIT = 1e6;
const real = (d: number, what: string) => z.number().min(-LIMIT).max(LIMIT).default(d).describe(what);
const positive = (d: number, what: string) => z.number().gt(0).max(LIMIT).default(d).describe(what);

const bare = (kind: InitKind) => z.object({ kind: z.literal(kind) }).strict();
const normalLike = (kind: 'randomNormal' | 'truncatedNormal') =>
  z
    .object({
      kind: z.literal(kind),
      mean: real(0, 'Mean of the normal.'),
      stddev: positive(0.05, 'Standard deviation of the normal (before truncation).'),
    })
    .strict();

/** Each kind's schema (number fields with Keras' defaults). */
export const INIT_VARIANTS = {
  glorotUniform: bare('glorotUniform'),
  glorotNormal: bare('glorotNormal'),
  heUniform: bare('heUniform'),
  heNormal: bare('heNormal'),
  randomNormal: normalLike('randomNormal'),
  randomUniform: z
    .object({
      kind: z.literal('randomUniform'),
      minval: real(-0.05, 'Lower bound.'),
      maxval: real(0.05, 'Upper bound.'),
    })
    .strict()
    .refine((o) => o.minval < o.maxval, { message: 'maxval must be greater than minval.', path: ['maxval'] }),
  truncatedNormal: normalLike('truncatedNormal'),
  orthogonal: z
    .object({ kind: z.literal('orthogonal'), gain: positive(1, 'Multiplies the orthogonal matrix.') })
    .strict(),
  zeros: bare('zeros'),
  ones: bare('ones'),
} as const;

/** Which kinds each weight takes: fan-based ones need a kernel; zeros/ones only where a constant start means something. */
export const KERNEL_KINDS: readonly InitKind[] = [
  'glorotUniform',
  'glorotNormal',
  'heUniform',
  'heNormal',
  'randomNormal',
  'randomUniform',
  'truncatedNormal',
  'orthogonal',
];
export const VECTOR_KINDS: readonly InitKind[] = ['zeros', 'ones', 'randomNormal', 'randomUniform', 'truncatedNormal'];

/** An initializer param: one of `kinds`, defaulting to `dflt`. */
export function initParam(kinds: readonly InitKind[], dflt: Init, description: string): z.ZodType<Init> {
  const options = kinds.map((k) => INIT_VARIANTS[k]);
  // discriminatedUnion needs a non-empty tuple; the kinds lists above are never empty.
  const union = z.discriminatedUnion('kind', options as unknown as [typeof INIT_VARIANTS.zeros]);
  return union.default(dflt as never).describe(description) as unknown as z.ZodType<Init>;
}

export const GLOROT_UNIFORM: Init = { kind: 'glorotUniform' };
/** tfjs' own default for dense, conv2d and conv2dTranspose kernels (not Keras' glorotUniform). */
export const GLOROT_NORMAL: Init = { kind: 'glorotNormal' };
export const ZEROS: Init = { kind: 'zeros' };
export const ONES: Init = { kind: 'ones' };
/** tfjs' Embedding default ('randomUniform', Keras' U(-0.05, 0.05)). */
export const EMBEDDING_DEFAULT: Init = { kind: 'randomUniform', minval: -0.05, maxval: 0.05 };
/** Equalized learning rate's stored weights (Karras et al. 2018): N(0, 1). */
export const EQUALIZED_DEFAULT: Init = { kind: 'randomNormal', mean: 0, stddev: 1 };

const CLASS_NAMES: Record<InitKind, SerializedInitializer['className']> = {
  glorotUniform: 'GlorotUniform',
  glorotNormal: 'GlorotNormal',
  heUniform: 'HeUniform',
  heNormal: 'HeNormal',
  randomNormal: 'RandomNormal',
  randomUniform: 'RandomUniform',
  truncatedNormal: 'TruncatedNormal',
  orthogonal: 'Orthogonal',
  zeros: 'Zeros',
  ones: 'Ones',
};

/** The param as tfjs-layers' serialized initializer, e.g. { className: 'RandomNormal', config: { mean: 0, stddev: 0.02 } }. */
export function serializeInit(init: Init): SerializedInitializer {
  const className = CLASS_NAMES[init.kind];
  switch (init.kind) {
    case 'randomNormal':
    case 'truncatedNormal':
      return { className, config: { mean: init.mean, stddev: init.stddev } };
    case 'randomUniform':
      return { className, config: { minval: init.minval, maxval: init.maxval } };
    case 'orthogonal':
      return { className, config: { gain: init.gain } };
    default:
      return { className, config: {} };
  }
}

function sameInit(a: Init, b: Init): boolean {
  return JSON.stringify(serializeInit(a)) === JSON.stringify(serializeInit(b));
}

/**
 * The config entry for one weight: `{ [key]: serialized }` when `chosen`
 * differs from the layer's default `dflt`, else `{}` (the layer's own
 * default applies and the config stays as it was before initializers).
 */
export function initEntry(key: string, chosen: Init | undefined, dflt: Init): Record<string, SerializedInitializer> {
  if (chosen === undefined || sameInit(chosen, dflt)) return {};
  return { [key]: serializeInit(chosen) };
}

/**
 * The kernel of a spectral-norm or equalized-LR layer (custom.ts' Reparam
 * layers), whose own defaults have always been glorotUniform and, with
 * equalized LR, ProGAN's N(0, 1) (which the run-time sqrt(2/fanIn) scale
 * expects). The node's default (`nodeDefault`, tfjs' glorotNormal for Dense
 * and the convolutions) stands for the layer's own default there, so such
 * projects build as before; any other choice is drawn as chosen.
 */
export function reparamKernelEntry(
  chosen: Init | undefined,
  nodeDefault: Init,
  equalizedLR: boolean,
): Record<string, SerializedInitializer> {
  if (chosen === undefined || sameInit(chosen, nodeDefault)) return {};
  return initEntry('kernelInitializer', chosen, equalizedLR ? EQUALIZED_DEFAULT : GLOROT_UNIFORM);
}

/** The config keys that hold initializers (the TypeScript export prints them as tf.initializers calls). */
export const INITIALIZER_KEYS = [
  'kernelInitializer',
  'biasInitializer',
  'gammaInitializer',
  'betaInitializer',
  'embeddingsInitializer',
  'constantInitializer',
] as const;
