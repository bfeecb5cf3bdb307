/**
 * The layers ganvas needs that tfjs-layers lacks. Each is a tfjs Layer
 * subclass registered with tf.serialization, so a compiled model saves and
 * loads through tfjs' own formats (model.json + weights).
 *
 * Class names are prefixed `Ganvas` so they cannot clash with tfjs' own.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types';

type Shape = (number | null)[];
type LayerVariable = tfl.LayerVariable;

function first(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
}
function firstShape(s: Shape | Shape[]): Shape {
  return isShapeList(s) ? (s[0] as Shape) : s;
}
function isShapeList(s: Shape | Shape[]): s is Shape[] {
  return s.length > 0 && Array.isArray(s[0]);
}
function lastDim(s: Shape): number {
  const c = s[s.length - 1];
  if (typeof c !== 'number') throw new Error('The last dimension must be known.');
  return c;
}

// ---------------------------------------------------------------------------
// Initializers in tfjs-layers' serialized form ({ className, config }), as the
// registry puts them in layer configs (src/core/nodes/init.ts). tfjs' own layers
// deserialize them themselves; these layers do it here.
export type InitializerClassName =
  | 'GlorotUniform'
  | 'GlorotNormal'
  | 'HeUniform'
  | 'HeNormal'
  | 'RandomNormal'
  | 'RandomUniform'
  | 'TruncatedNormal'
  | 'Orthogonal'
  | 'Zeros'
  | 'Ones';
export interface SerializedInitializer {
  className: InitializerClassName;
  config: { mean?: number; stddev?: number; minval?: number; maxval?: number; gain?: number };
}
/** The tf.initializers function of each class (the TypeScript export prints these). */
export const INITIALIZER_FACTORIES: Record<InitializerClassName, string> = {
  GlorotUniform: 'glorotUniform',
  GlorotNormal: 'glorotNormal',
  HeUniform: 'heUniform',
  HeNormal: 'heNormal',
  RandomNormal: 'randomNormal',
  RandomUniform: 'randomUniform',
  TruncatedNormal: 'truncatedNormal',
  Orthogonal: 'orthogonal',
  Zeros: 'zeros',
  Ones: 'ones',
};
type Initializer = ReturnType<typeof tfl.initializers.zeros>;
/** tfjs-layers' Initializer base class, which its index does not export (tf.layers' configs accept its instances). */
const InitializerBase = Object.getPrototypeOf(Object.getPrototypeOf(tfl.initializers.zeros()))
  .constructor as new () => Initializer;

/**
 * The orthogonal initializer (Saxe et al. 2014), as tfjs-layers' Orthogonal: W flattened to [prod(shape[:-1]),
 * shape[-1]] is gain * Q, Q the orthonormal factor (diag(R) > 0) of a standard normal matrix, transposed when the
 * matrix is wide. Computed here in JavaScript rather than with tf.linalg.qr on the backend: that QR runs a slice,
 * a few ops and new shapes per column, which on WebGL and WebGPU compiles shaders by the thousand (BigGAN-lite's
 * models took over five minutes to build in Chromium on WebGL) and gives slightly different values per backend.
 * Here every backend gets the same bits. Draws come from Math.random, which the trainer seeds.
 */
export class Orthogonal extends InitializerBase {
  static className = 'Orthogonal';
  readonly gain: number;
  constructor(args: { gain?: number; seed?: number } = {}) {
    super();
    this.gain = args.gain ?? 1;
  }
  override apply(shape: number[], dtype?: tf.DataType): tf.Tensor {
    if (shape.length < 2)
      throw new Error(`The orthogonal initializer needs a shape of rank 2 or more, not [${shape}].`);
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const cols = shape[shape.length - 1] as number;
    const n = Math.max(rows, cols);
    const q = orthonormalColumns(n, Math.min(rows, cols));
    const out = new Float32Array(rows * cols);
    // q holds Q [n, k] column by column: W[r][c] = Q[r][c] when tall, Q[c][r] when wide (W = Q^T).
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++)
        out[r * cols + c] = this.gain * (q[rows >= cols ? c * n + r : r * n + c] as number);
    return tf.tensor(out, shape, dtype === 'int32' ? 'int32' : 'float32');
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { gain: this.gain };
  }
}

/** n x k (k <= n) orthonormal columns from a standard normal matrix: Gram-Schmidt run twice per column, column-major. */
export function orthonormalColumns(n: number, k: number): Float64Array {
  const q = new Float64Array(n * k);
  for (let i = 0; i < n * k; i += 2) {
    // Box-Muller: two standard normals from two uniforms in (0, 1].
    const u = 1 - Math.random();
    const v = Math.random();
    const r = Math.sqrt(-2 * Math.log(u));
    q[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n * k) q[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  for (let j = 0; j < k; j++) {
    const cj = j * n;
    for (let pass = 0; pass < 2; pass++)
      for (let i = 0; i < j; i++) {
        const ci = i * n;
        let dot = 0;
        for (let t = 0; t < n; t++) dot += (q[ci + t] as number) * (q[cj + t] as number);
        for (let t = 0; t < n; t++) q[cj + t] = (q[cj + t] as number) - dot * (q[ci + t] as number);
      }
    let norm = 0;
    for (let t = 0; t < n; t++) norm += (q[cj + t] as number) ** 2;
    norm = Math.sqrt(norm);
    for (let t = 0; t < n; t++) q[cj + t] = (q[cj + t] as number) / norm;
  }
  return q;
}
/**
 * The initializer a serialized form describes, or `fallback` when none is given.
 * No seed: draws come from Math.random, which the trainer seeds.
 */
export function makeInitializer(s: SerializedInitializer | undefined, fallback: () => Initializer): Initializer {
  if (s === undefined) return fallback();
  const c = s.config ?? {};
  switch (s.className) {
    case 'GlorotUniform':
      return tfl.initializers.glorotUniform({});
    case 'GlorotNormal':
      return tfl.initializers.glorotNormal({});
    case 'HeUniform':
      return tfl.initializers.heUniform({});
    case 'HeNormal':
      return tfl.initializers.heNormal({});
    case 'RandomNormal':
      return tfl.initializers.randomNormal({ mean: c.mean ?? 0, stddev: c.stddev ?? 0.05 });
    case 'TruncatedNormal':
      return tfl.initializers.truncatedNormal({ mean: c.mean ?? 0, stddev: c.stddev ?? 0.05 });
    case 'RandomUniform':
      return tfl.initializers.randomUniform({ minval: c.minval ?? -0.05, maxval: c.maxval ?? 0.05 });
    case 'Orthogonal':
      return new Orthogonal({ gain: c.gain ?? 1 });
    case 'Zeros':
      return tfl.initializers.zeros();
    case 'Ones':
      return tfl.initializers.ones();
    default:
      throw new Error(`Unknown initializer '${String((s as { className?: unknown }).className)}'.`);
  }
}
/** Config entries of the initializers a layer was given (only those given, so configs stay as before). */
function initConfig(entries: Record<string, SerializedInitializer | undefined>): tf.serialization.ConfigDict {
  const out: tf.serialization.ConfigDict = {};
  for (const [k, v] of Object.entries(entries))
    if (v !== undefined) out[k] = v as unknown as tf.serialization.ConfigDictValue;
  return out;
}

// ---------------------------------------------------------------------------
// Instance normalization (Ulyanov et al. 2016): per sample and channel over H, W.
export interface InstanceNormArgs extends LayerArgs {
  epsilon?: number;
  affine?: boolean;
  gammaInitializer?: SerializedInitializer;
  betaInitializer?: SerializedInitializer;
}
export class InstanceNorm extends tfl.layers.Layer {
  static className = 'GanvasInstanceNorm';
  readonly epsilon: number;
  readonly affine: boolean;
  readonly gammaInitializer?: SerializedInitializer;
  readonly betaInitializer?: SerializedInitializer;
  private gamma?: LayerVariable;
  private beta?: LayerVariable;
  constructor(args: InstanceNormArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-5;
    this.affine = args.affine ?? true;
    if (args.gammaInitializer) this.gammaInitializer = args.gammaInitializer;
    if (args.betaInitializer) this.betaInitializer = args.betaInitializer;
  }
  override build(inputShape: Shape | Shape[]): void {
    const c = lastDim(firstShape(inputShape));
    if (this.affine) {
      this.gamma = this.addWeight(
        'gamma',
        [c],
        'float32',
        makeInitializer(this.gammaInitializer, tfl.initializers.ones),
      );
      this.beta = this.addWeight('beta', [c], 'float32', makeInitializer(this.betaInitializer, tfl.initializers.zeros));
    }
    this.built = true;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return firstShape(inputShape);
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = first(inputs);
      const { mean, variance } = tf.moments(x, [1, 2], true);
      let y = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, this.epsilon)));
      if (this.gamma && this.beta) y = tf.add(tf.mul(y, this.gamma.read()), this.beta.read());
      return y;
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      epsilon: this.epsilon,
      affine: this.affine,
      ...initConfig({ gammaInitializer: this.gammaInitializer, betaInitializer: this.betaInitializer }),
    };
  }
}

// ---------------------------------------------------------------------------
// Pixel-wise feature normalization (Karras et al. 2018, ProGAN, eq. in sec. 4.2).
export interface PixelNormArgs extends LayerArgs {
  epsilon?: number;
}
export class PixelNorm extends tfl.layers.Layer {
  static className = 'GanvasPixelNorm';
  readonly epsilon: number;
  constructor(args: PixelNormArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-8;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return firstShape(inputShape);
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = first(inputs);
      const ms = tf.mean(tf.square(x), -1, true);
      return tf.mul(x, tf.rsqrt(tf.add(ms, this.epsilon)));
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

// ---------------------------------------------------------------------------
// Reflection padding of H and W (used by the CycleGAN ResNet generator).
export interface ReflectionPadArgs extends LayerArgs {
  padding: number;
}
export class ReflectionPad extends tfl.layers.Layer {
  static className = 'GanvasReflectionPad';
  readonly padding: number;
  constructor(args: ReflectionPadArgs) {
    super(args);
    this.padding = args.padding;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = firstShape(inputShape);
    const p = this.padding;
    return [s[0] ?? null, s[1] == null ? null : s[1] + 2 * p, s[2] == null ? null : s[2] + 2 * p, s[3] ?? null];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const p = this.padding;
      return tf.mirrorPad(
        first(inputs),
        [
          [0, 0],
          [p, p],
          [p, p],
          [0, 0],
        ],
        'reflect',
      );
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), padding: this.padding };
  }
}

// ---------------------------------------------------------------------------
// Minibatch standard deviation (Karras et al. 2018, ProGAN sec. 3): one extra
// channel holding the mean over features of the per-group standard deviation.
export interface MinibatchStdDevArgs extends LayerArgs {
  groupSize?: number;
}
export class MinibatchStdDev extends tfl.layers.Layer {
  static className = 'GanvasMinibatchStdDev';
  readonly groupSize: number;
  constructor(args: MinibatchStdDevArgs = {}) {
    super(args);
    this.groupSize = args.groupSize ?? 4;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = firstShape(inputShape);
    return [...s.slice(0, 3), lastDim(s) + 1];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = first(inputs) as tf.Tensor4D;
      const [b, h, w, c] = x.shape;
      // The group must divide the batch; fall back to the whole batch.
      const g = b % Math.min(this.groupSize, b) === 0 ? Math.min(this.groupSize, b) : b;
      const y = tf.reshape(x, [g, b / g, h, w, c]);
      const centered = tf.sub(y, tf.mean(y, 0, true));
      const std = tf.sqrt(tf.add(tf.mean(tf.square(centered), 0), 1e-8)); // [b/g,h,w,c]
      const s = tf.mean(std, [1, 2, 3]); // [b/g]
      // Sample i belongs to group member i mod (b/g). Tiles stay at rank <= 4:
      // tfjs has no gradient for tiling rank-5 tensors.
      const perSample = tf.reshape(tf.tile(tf.reshape(s, [1, b / g]), [g, 1]), [b, 1, 1, 1]);
      const tiled = tf.tile(perSample, [1, h, w, 1]);
      return tf.concat([x, tf.reshape(tiled, [b, h, w, 1])], 3);
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), groupSize: this.groupSize };
  }
}

// ---------------------------------------------------------------------------
// Fade-in of a progressively grown block (Karras et al. 2018, ProGAN sec. 2):
// out = old + alpha (new - old). alpha is run state, not a weight: the
// trainer sets it every step from the progressive schedule
// (train/progressive.ts fadeAlpha of this layer's resolution); it is saved in
// the config so a saved generator samples as it was left. 1 (the full
// network) unless a schedule sets it.
export interface FadeInArgs extends LayerArgs {
  /** The resolution the faded-in block brings in. */
  resolution: number;
  alpha?: number;
}
export class FadeIn extends tfl.layers.Layer {
  static className = 'GanvasFadeIn';
  readonly resolution: number;
  alpha: number;
  constructor(args: FadeInArgs) {
    super(args);
    this.resolution = args.resolution;
    this.alpha = args.alpha ?? 1;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return firstShape(inputShape);
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [fresh, old] = inputs as tf.Tensor[];
      // Always the blend, even at alpha 0 or 1: the unused path gets zero gradients (not none), so every
      // optimizer, here and in the exports, counts the step for it alike.
      return tf.add(old as tf.Tensor, tf.mul(tf.sub(fresh as tf.Tensor, old as tf.Tensor), this.alpha));
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), resolution: this.resolution, alpha: this.alpha };
  }
}

// ---------------------------------------------------------------------------
// Learned constant input (StyleGAN): a trained [H,W,C] tensor repeated over the
// batch; its input only supplies the batch size.
export interface LearnedConstantArgs extends LayerArgs {
  height: number;
  width: number;
  channels: number;
  constantInitializer?: SerializedInitializer;
}
export class LearnedConstant extends tfl.layers.Layer {
  static className = 'GanvasLearnedConstant';
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly constantInitializer?: SerializedInitializer;
  private constant?: LayerVariable;
  constructor(args: LearnedConstantArgs) {
    super(args);
    this.height = args.height;
    this.width = args.width;
    this.channels = args.channels;
    if (args.constantInitializer) this.constantInitializer = args.constantInitializer;
  }
  override build(): void {
    this.constant = this.addWeight(
      'constant',
      [1, this.height, this.width, this.channels],
      'float32',
      makeInitializer(this.constantInitializer, tfl.initializers.ones),
    );
    this.built = true;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [firstShape(inputShape)[0] ?? null, this.height, this.width, this.channels];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const b = first(inputs).shape[0] ?? 1;
      return tf.tile((this.constant as LayerVariable).read(), [b, 1, 1, 1]);
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      height: this.height,
      width: this.width,
      channels: this.channels,
      ...initConfig({ constantInitializer: this.constantInitializer }),
    };
  }
}

// ---------------------------------------------------------------------------
// Adaptive instance normalization with a learned style affine (StyleGAN, eq. 1):
// AdaIN(x, w) = y_s * (x - mu(x)) / sigma(x) + y_b,  [y_s, y_b] = A w + b,
// with the y_s bias initialised to 1.
export interface StyleModulationArgs extends LayerArgs {
  epsilon?: number;
  /** The affine map A's initializer (default glorotUniform); its bias always starts at [1.., 0..]. */
  kernelInitializer?: SerializedInitializer;
}
export class StyleModulation extends tfl.layers.Layer {
  static className = 'GanvasStyleModulation';
  readonly epsilon: number;
  readonly kernelInitializer?: SerializedInitializer;
  private kernel?: LayerVariable;
  private bias?: LayerVariable;
  private channels = 0;
  constructor(args: StyleModulationArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-5;
    if (args.kernelInitializer) this.kernelInitializer = args.kernelInitializer;
  }
  override build(inputShape: Shape | Shape[]): void {
    if (!isShapeList(inputShape) || inputShape.length !== 2)
      throw new Error('StyleModulation takes [features, style].');
    const c = lastDim(inputShape[0] as Shape);
    const d = lastDim(inputShape[1] as Shape);
    this.channels = c;
    this.kernel = this.addWeight(
      'kernel',
      [d, 2 * c],
      'float32',
      makeInitializer(this.kernelInitializer, () => tfl.initializers.glorotUniform({})),
    );
    this.bias = this.addWeight('bias', [2 * c], 'float32', tfl.initializers.zeros());
    // y_s starts at 1 (identity modulation), y_b at 0.
    this.bias.write(tf.tidy(() => tf.concat([tf.ones([c]), tf.zeros([c])])));
    this.built = true;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return isShapeList(inputShape) ? (inputShape[0] as Shape) : inputShape;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x, w] = inputs as tf.Tensor[];
      const style = tf.add(
        tf.matMul(w as tf.Tensor2D, (this.kernel as LayerVariable).read() as tf.Tensor2D),
        (this.bias as LayerVariable).read(),
      );
      const c = this.channels;
      const ys = tf.reshape(tf.slice(style, [0, 0], [-1, c]), [-1, 1, 1, c]);
      const yb = tf.reshape(tf.slice(style, [0, c], [-1, c]), [-1, 1, 1, c]);
      const { mean, variance } = tf.moments(x as tf.Tensor, [1, 2], true);
      const norm = tf.div(tf.sub(x as tf.Tensor, mean), tf.sqrt(tf.add(variance, this.epsilon)));
      return tf.add(tf.mul(norm, ys), yb);
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      epsilon: this.epsilon,
      ...initConfig({ kernelInitializer: this.kernelInitializer }),
    };
  }
}

// ---------------------------------------------------------------------------
// Per-pixel noise injection with a learned per-channel strength (StyleGAN, "B").
export interface NoiseInjectionArgs extends LayerArgs {
  seed?: number;
}
export class NoiseInjection extends tfl.layers.Layer {
  static className = 'GanvasNoiseInjection';
  readonly seed: number;
  private strength?: LayerVariable;
  constructor(args: NoiseInjectionArgs = {}) {
    super(args);
    this.seed = args.seed ?? 0;
  }
  override build(inputShape: Shape | Shape[]): void {
    this.strength = this.addWeight('strength', [lastDim(firstShape(inputShape))], 'float32', tfl.initializers.zeros());
    this.built = true;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return firstShape(inputShape);
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = first(inputs) as tf.Tensor4D;
      const [b, h, w] = x.shape;
      // Fresh noise per call, drawn from Math.random, which the trainer seeds for every step and every
      // sample picture: runs are reproducible, and taking samples does not change the training noise.
      const noise = tf.randomNormal(
        [b, h, w, 1],
        0,
        1,
        'float32',
        (Math.floor(Math.random() * 2 ** 31) ^ (this.seed * 1_000_003)) >>> 0,
      );
      return tf.add(x, tf.mul(noise, (this.strength as LayerVariable).read()));
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), seed: this.seed };
  }
}

// ---------------------------------------------------------------------------
// Self-attention (Zhang et al. 2019, SAGAN, sec. 3): f, g, h are 1x1
// projections to C/k channels, v projects back to C, y = gamma * o + x,
// gamma initialised to 0.
export interface SelfAttentionArgs extends LayerArgs {
  reduction?: number;
  /** The f, g, h, v projections' initializer (default glorotUniform); gamma always starts at 0. */
  kernelInitializer?: SerializedInitializer;
}
export class SelfAttention extends tfl.layers.Layer {
  static className = 'GanvasSelfAttention';
  readonly reduction: number;
  readonly kernelInitializer?: SerializedInitializer;
  private wf?: LayerVariable;
  private wg?: LayerVariable;
  private wh?: LayerVariable;
  private wv?: LayerVariable;
  private gamma?: LayerVariable;
  constructor(args: SelfAttentionArgs = {}) {
    super(args);
    this.reduction = args.reduction ?? 8;
    if (args.kernelInitializer) this.kernelInitializer = args.kernelInitializer;
  }
  override build(inputShape: Shape | Shape[]): void {
    const c = lastDim(firstShape(inputShape));
    const k = Math.max(1, Math.floor(c / this.reduction));
    const init = () => makeInitializer(this.kernelInitializer, () => tfl.initializers.glorotUniform({}));
    this.wf = this.addWeight('f', [c, k], 'float32', init());
    this.wg = this.addWeight('g', [c, k], 'float32', init());
    this.wh = this.addWeight('h', [c, k], 'float32', init());
    this.wv = this.addWeight('v', [k, c], 'float32', init());
    this.gamma = this.addWeight('gamma', [1], 'float32', tfl.initializers.zeros());
    this.built = true;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return firstShape(inputShape);
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = first(inputs) as tf.Tensor4D;
      const [b, h, w, c] = x.shape;
      const flat = tf.reshape(x, [b, h * w, c]) as tf.Tensor3D;
      const proj = (v: LayerVariable): tf.Tensor3D =>
        tf.reshape(tf.matMul(tf.reshape(flat, [b * h * w, c]) as tf.Tensor2D, v.read() as tf.Tensor2D), [
          b,
          h * w,
          -1,
        ]) as tf.Tensor3D;
      const f = proj(this.wf as LayerVariable);
      const g = proj(this.wg as LayerVariable);
      const hh = proj(this.wh as LayerVariable);
      const attn = tf.softmax(tf.matMul(g, f, false, true)); // [b, N, N]: row i attends over j
      const o = tf.matMul(attn, hh); // [b, N, k]
      const k = o.shape[2] as number;
      const out = tf.reshape(
        tf.matMul(tf.reshape(o, [b * h * w, k]) as tf.Tensor2D, (this.wv as LayerVariable).read() as tf.Tensor2D),
        [b, h, w, c],
      );
      return tf.add(x, tf.mul(out, (this.gamma as LayerVariable).read()));
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      reduction: this.reduction,
      ...initConfig({ kernelInitializer: this.kernelInitializer }),
    };
  }
}

// ---------------------------------------------------------------------------
// Dense and convolutions with spectral normalization (Miyato et al. 2018) and
// equalized learning rate (Karras et al. 2018). Used in place of tfjs' own
// layers only when one of the two options is on.
export interface ReparamArgs extends LayerArgs {
  spectralNorm?: boolean;
  equalizedLR?: boolean;
  useBias?: boolean;
  /** Power iterations per training call for spectral norm. */
  powerIterations?: number;
  /** Default glorotUniform, or N(0, 1) with equalizedLR. */
  kernelInitializer?: SerializedInitializer;
  /** Default zeros. */
  biasInitializer?: SerializedInitializer;
}

abstract class ReparamLayer extends tfl.layers.Layer {
  readonly spectralNorm: boolean;
  readonly equalizedLR: boolean;
  readonly useBias: boolean;
  readonly powerIterations: number;
  readonly kernelInitializer?: SerializedInitializer;
  readonly biasInitializer?: SerializedInitializer;
  protected kernel?: LayerVariable;
  protected bias?: LayerVariable;
  protected u?: LayerVariable;
  protected fanIn = 1;
  constructor(args: ReparamArgs) {
    super(args);
    this.spectralNorm = args.spectralNorm ?? false;
    this.equalizedLR = args.equalizedLR ?? false;
    this.useBias = args.useBias ?? true;
    this.powerIterations = args.powerIterations ?? 1;
    if (args.kernelInitializer) this.kernelInitializer = args.kernelInitializer;
    if (args.biasInitializer) this.biasInitializer = args.biasInitializer;
  }
  /** `columns`: the matrix width spectral norm's u lives in; `biasSize`: output channels. */
  protected addKernel(shape: number[], fanIn: number, columns: number, biasSize = columns): void {
    this.fanIn = fanIn;
    const init = makeInitializer(this.kernelInitializer, () =>
      this.equalizedLR ? tfl.initializers.randomNormal({ mean: 0, stddev: 1 }) : tfl.initializers.glorotUniform({}),
    );
    this.kernel = this.addWeight('kernel', shape, 'float32', init);
    if (this.useBias)
      this.bias = this.addWeight(
        'bias',
        [biasSize],
        'float32',
        makeInitializer(this.biasInitializer, tfl.initializers.zeros),
      );
    if (this.spectralNorm) {
      this.u = this.addWeight(
        'sn_u',
        [columns],
        'float32',
        tfl.initializers.randomNormal({ mean: 0, stddev: 1 }),
        undefined,
        false,
      );
    }
  }
  /** The kernel as used in the forward pass: scaled by the He constant and/or divided by sigma(W). */
  protected effectiveKernel(training: boolean): tf.Tensor {
    let w = (this.kernel as LayerVariable).read();
    if (this.equalizedLR) w = tf.mul(w, Math.sqrt(2 / this.fanIn));
    if (!this.spectralNorm) return w;
    const cols = w.shape[w.shape.length - 1] as number;
    const mat = tf.reshape(w, [-1, cols]) as tf.Tensor2D; // [fanIn, cols]
    const uVar = this.u as LayerVariable;
    // Power iteration on a constant copy of W: sigma's gradient flows through W only.
    const [uNew, vNew] = tf.tidy(() => {
      const m = stopGradient(mat) as tf.Tensor2D;
      let u = tf.reshape(uVar.read(), [cols, 1]) as tf.Tensor2D;
      let v = u;
      for (let i = 0; i < this.powerIterations; i++) {
        v = l2n(tf.matMul(m, u)); // [fanIn,1]
        u = l2n(tf.matMul(m, v, true, false)); // [cols,1]
      }
      return [u, v];
    });
    if (training) uVar.write(tf.reshape(uNew, [cols]));
    const sigma = tf.sum(tf.mul(vNew, tf.matMul(mat, uNew)));
    uNew.dispose();
    vNew.dispose();
    return tf.div(w, sigma);
  }
  protected addBias(y: tf.Tensor): tf.Tensor {
    return this.bias ? tf.add(y, this.bias.read()) : y;
  }
  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      spectralNorm: this.spectralNorm,
      equalizedLR: this.equalizedLR,
      useBias: this.useBias,
      powerIterations: this.powerIterations,
      ...initConfig({ kernelInitializer: this.kernelInitializer, biasInitializer: this.biasInitializer }),
    };
  }
}
/** Identity whose gradient is zero: tfjs 4.22 has no tf.stopGradient. */
export function stopGradient(x: tf.Tensor): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const a = args[0] as tf.Tensor;
    return { value: tf.clone(a), gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.zerosLike(dy as tf.Tensor) };
  });
  return f(x);
}
function l2n(x: tf.Tensor2D): tf.Tensor2D {
  return tf.div(x, tf.add(tf.norm(x), 1e-12)) as tf.Tensor2D;
}

export interface ReparamDenseArgs extends ReparamArgs {
  units: number;
}
export class ReparamDense extends ReparamLayer {
  static className = 'GanvasDense';
  readonly units: number;
  constructor(args: ReparamDenseArgs) {
    super(args);
    this.units = args.units;
  }
  override build(inputShape: Shape | Shape[]): void {
    const d = lastDim(firstShape(inputShape));
    this.addKernel([d, this.units], d, this.units);
    this.built = true;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = firstShape(inputShape);
    return [...s.slice(0, -1), this.units];
  }
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() =>
      this.addBias(
        tf.matMul(first(inputs) as tf.Tensor2D, this.effectiveKernel(kwargs.training === true) as tf.Tensor2D),
      ),
    );
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units };
  }
}

export interface ReparamConvArgs extends ReparamArgs {
  filters: number;
  kernelSize: number;
  strides: number;
  padding: 'same' | 'valid';
}
/** What a convolution and a transposed convolution share: their config and an output-size rule. */
abstract class ReparamConvBase extends ReparamLayer {
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: 'same' | 'valid';
  constructor(args: ReparamConvArgs) {
    super(args);
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.strides = args.strides;
    this.padding = args.padding;
  }
  protected abstract outSize(n: number): number;
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = firstShape(inputShape);
    const o = (n: number | null): number | null => (n == null ? null : this.outSize(n));
    return [s[0] ?? null, o(s[1] ?? null), o(s[2] ?? null), this.filters];
  }
  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
    };
  }
}

export class ReparamConv2D extends ReparamConvBase {
  static className = 'GanvasConv2D';
  override build(inputShape: Shape | Shape[]): void {
    const c = lastDim(firstShape(inputShape));
    const k = this.kernelSize;
    this.addKernel([k, k, c, this.filters], k * k * c, this.filters);
    this.built = true;
  }
  protected outSize(n: number): number {
    return convOut(n, this.kernelSize, this.strides, this.padding);
  }
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() =>
      this.addBias(
        tf.conv2d(
          first(inputs) as tf.Tensor4D,
          this.effectiveKernel(kwargs.training === true) as tf.Tensor4D,
          this.strides,
          this.padding,
        ),
      ),
    );
  }
}

export class ReparamConv2DTranspose extends ReparamConvBase {
  static className = 'GanvasConv2DTranspose';
  override build(inputShape: Shape | Shape[]): void {
    const c = lastDim(firstShape(inputShape));
    const k = this.kernelSize;
    // tfjs' conv2dTranspose filter layout: [h, w, outChannels, inChannels].
    this.addKernel([k, k, this.filters, c], k * k * c, c, this.filters);
    this.built = true;
  }
  protected outSize(n: number): number {
    return convTransposeOut(n, this.kernelSize, this.strides, this.padding);
  }
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = first(inputs) as tf.Tensor4D;
      const [b, h, w] = x.shape;
      const out: [number, number, number, number] = [b, this.outSize(h), this.outSize(w), this.filters];
      return this.addBias(
        tf.conv2dTranspose(
          x,
          this.effectiveKernel(kwargs.training === true) as tf.Tensor4D,
          out,
          this.strides,
          this.padding,
        ),
      );
    });
  }
}

/** Output size of a convolution along one axis (tfjs/TensorFlow semantics). */
export function convOut(n: number, k: number, s: number, padding: 'same' | 'valid'): number {
  return padding === 'same' ? Math.ceil(n / s) : Math.floor((n - k) / s) + 1;
}
/** Output size of a transposed convolution along one axis (tfjs-layers semantics). */
export function convTransposeOut(n: number, k: number, s: number, padding: 'same' | 'valid'): number {
  return padding === 'same' ? n * s : n * s + Math.max(k - s, 0);
}

// ---------------------------------------------------------------------------
// BatchNorm with scale or center off, trainable: tfjs-layers 4.22's
// BatchNormalization reads gamma and beta in training even when they were
// never created ("Cannot read properties of undefined (reading 'read')").
// Ones and zeros stand in for the missing one: the same normalization, no
// extra weights (parameter counts and weight names are tfjs' own).
type Readable = { read: () => tf.Tensor };
/**
 * tfjs-layers' BatchNormalization class, taken from an instance: its Node
 * entry is a bundle, and a deep import of dist/layers/normalization would load
 * a second copy of tfjs-layers whose SymbolicTensors the first one rejects.
 */
const BatchNormalization = Object.getPrototypeOf(tfl.layers.batchNormalization({ name: 'ganvas_bn_class_probe' }))
  .constructor as typeof tfl.layers.Layer;
export class BatchNorm extends BatchNormalization {
  static className = 'GanvasBatchNorm';
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    // Private in tfjs' typings; read here only to stand in for the missing one.
    const self = this as unknown as { gamma: Readable | null; beta: Readable | null; movingMean: LayerVariable };
    if (kwargs.training !== true || (self.gamma && self.beta)) return super.call(inputs, kwargs);
    const [gamma, beta] = [self.gamma, self.beta];
    const shape = self.movingMean.shape as number[];
    // Created inside super.call's tidy, so disposed with it.
    self.gamma ??= { read: () => tf.ones(shape) };
    self.beta ??= { read: () => tf.zeros(shape) };
    try {
      return super.call(inputs, kwargs);
    } finally {
      self.gamma = gamma;
      self.beta = beta;
    }
  }
}

// ===========================================================================
// BigGAN (issue 17.5): class-conditional BatchNorm and the projection
// discriminator's output. Kept in one section so merges stay easy.

/**
 * W / sigma(W) by power iteration on a constant copy of W (Miyato et al. 2018), W viewed as [rows, cols] with u
 * in cols; u is written back in training. The same iteration as ReparamLayer's (and the PyTorch runtime's _sn).
 */
function spectralDivide(w: tf.Tensor, uVar: LayerVariable, iterations: number, training: boolean): tf.Tensor {
  const cols = w.shape[w.shape.length - 1] as number;
  const mat = tf.reshape(w, [-1, cols]) as tf.Tensor2D;
  const [uNew, vNew] = tf.tidy(() => {
    const m = stopGradient(mat) as tf.Tensor2D;
    let u = tf.reshape(uVar.read(), [cols, 1]) as tf.Tensor2D;
    let v = u;
    for (let i = 0; i < iterations; i++) {
      v = l2n(tf.matMul(m, u));
      u = l2n(tf.matMul(m, v, true, false));
    }
    return [u, v];
  });
  if (training) uVar.write(tf.reshape(uNew, [cols]));
  const sigma = tf.sum(tf.mul(vNew, tf.matMul(mat, uNew)));
  uNew.dispose();
  vNew.dispose();
  return tf.div(w, sigma);
}

/** A weight as a layer uses it: divided by its spectral norm when it has a power-iteration vector u, else as it is. */
function spectralRead(
  w: LayerVariable,
  u: LayerVariable | undefined,
  iterations: number,
  training: boolean,
): tf.Tensor2D {
  return (u ? spectralDivide(w.read(), u, iterations, training) : w.read()) as tf.Tensor2D;
}

/**
 * Conditional batch normalization (de Vries et al. 2017; BigGAN, Brock et al. 2019, sec. 3 and app. B):
 * BatchNorm without its own affine, then a per-sample, per-channel gain and bias from a conditioning vector e:
 *   y = (x - mu) / sqrt(var + eps) * (1 + e W_g) + e W_b
 * mu and var are the batch's (biased) statistics over every axis but the last in training, the moving ones
 * otherwise; the moving ones are updated as tfjs' BatchNormalization does (m = momentum m + (1 - momentum) batch).
 * Inputs: [features [B,...,C], conditioning [B,D]].
 */
export interface ConditionalBatchNormArgs extends LayerArgs {
  momentum?: number;
  epsilon?: number;
  /** W_g and W_b each divided by its largest singular value (BigGAN's G: its CBN maps are SNLinear). */
  spectralNorm?: boolean;
  powerIterations?: number;
  /** W_g and W_b's initializer (default glorotUniform). */
  kernelInitializer?: SerializedInitializer;
}
export class ConditionalBatchNorm extends tfl.layers.Layer {
  static className = 'GanvasConditionalBatchNorm';
  readonly momentum: number;
  readonly epsilon: number;
  readonly spectralNorm: boolean;
  readonly powerIterations: number;
  readonly kernelInitializer?: SerializedInitializer;
  private gain?: LayerVariable;
  private bias?: LayerVariable;
  private movingMean?: LayerVariable;
  private movingVariance?: LayerVariable;
  private uGain?: LayerVariable;
  private uBias?: LayerVariable;
  constructor(args: ConditionalBatchNormArgs = {}) {
    super(args);
    this.momentum = args.momentum ?? 0.9;
    this.epsilon = args.epsilon ?? 1e-5;
    this.spectralNorm = args.spectralNorm ?? false;
    this.powerIterations = args.powerIterations ?? 1;
    if (args.kernelInitializer) this.kernelInitializer = args.kernelInitializer;
  }
  override build(inputShape: Shape | Shape[]): void {
    if (!isShapeList(inputShape) || inputShape.length !== 2)
      throw new Error('ConditionalBatchNorm takes [features, conditioning].');
    const c = lastDim(inputShape[0] as Shape);
    const d = lastDim(inputShape[1] as Shape);
    const init = () => makeInitializer(this.kernelInitializer, () => tfl.initializers.glorotUniform({}));
    this.gain = this.addWeight('gain_kernel', [d, c], 'float32', init());
    this.bias = this.addWeight('bias_kernel', [d, c], 'float32', init());
    this.movingMean = this.addWeight('moving_mean', [c], 'float32', tfl.initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight('moving_variance', [c], 'float32', tfl.initializers.ones(), undefined, false);
    if (this.spectralNorm) {
      const u = (name: string) =>
        this.addWeight(name, [c], 'float32', tfl.initializers.randomNormal({ mean: 0, stddev: 1 }), undefined, false);
      this.uGain = u('sn_u_gain');
      this.uBias = u('sn_u_bias');
    }
    this.built = true;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return isShapeList(inputShape) ? (inputShape[0] as Shape) : inputShape;
  }
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [x, e] = inputs as [tf.Tensor, tf.Tensor2D];
      const c = x.shape[x.rank - 1] as number;
      const mm = this.movingMean as LayerVariable;
      const mv = this.movingVariance as LayerVariable;
      let mean: tf.Tensor;
      let variance: tf.Tensor;
      if (kwargs.training === true) {
        const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
        ({ mean, variance } = tf.moments(x, axes));
        const m = this.momentum;
        mm.write(tf.add(tf.mul(mm.read(), m), tf.mul(stopGradient(mean), 1 - m)));
        mv.write(tf.add(tf.mul(mv.read(), m), tf.mul(stopGradient(variance), 1 - m)));
      } else {
        mean = mm.read();
        variance = mv.read();
      }
      const norm = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, this.epsilon)));
      const per = [-1, ...Array.from({ length: x.rank - 2 }, () => 1), c];
      const eff = (w: LayerVariable, u: LayerVariable | undefined) =>
        spectralRead(w, u, this.powerIterations, kwargs.training === true);
      const gamma = tf.reshape(tf.add(1, tf.matMul(e, eff(this.gain as LayerVariable, this.uGain))), per);
      const beta = tf.reshape(tf.matMul(e, eff(this.bias as LayerVariable, this.uBias)), per);
      return tf.add(tf.mul(norm, gamma), beta);
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      momentum: this.momentum,
      epsilon: this.epsilon,
      ...(this.spectralNorm ? { spectralNorm: true, powerIterations: this.powerIterations } : {}),
      ...initConfig({ kernelInitializer: this.kernelInitializer }),
    };
  }
}

/**
 * The projection discriminator's output (Miyato & Koyama 2018, eq. 3 and fig. 1):
 *   logit = <embed(y), phi(x)> + psi(phi(x)),  psi(h) = h w + b (when `linear`),
 * embed a [numClasses, F] matrix. With `spectralNorm`, the embedding and w are each divided by their largest
 * singular value (as BigGAN's SNEmbedding and SNLinear). Inputs: [features phi(x) [B,F], labels [B,1] int32].
 * The embedding is read through a one-hot product, whose second-order gradient tfjs has (for penalties).
 */
export interface ProjectionArgs extends LayerArgs {
  numClasses: number;
  linear?: boolean;
  spectralNorm?: boolean;
  powerIterations?: number;
  /** The embedding's and w's initializer (default glorotUniform). */
  kernelInitializer?: SerializedInitializer;
}
export class Projection extends tfl.layers.Layer {
  static className = 'GanvasProjection';
  readonly numClasses: number;
  readonly linear: boolean;
  readonly spectralNorm: boolean;
  readonly powerIterations: number;
  readonly kernelInitializer?: SerializedInitializer;
  private embeddings?: LayerVariable;
  private kernel?: LayerVariable;
  private bias?: LayerVariable;
  private uEmbed?: LayerVariable;
  private uKernel?: LayerVariable;
  constructor(args: ProjectionArgs) {
    super(args);
    this.numClasses = args.numClasses;
    this.linear = args.linear ?? true;
    this.spectralNorm = args.spectralNorm ?? false;
    this.powerIterations = args.powerIterations ?? 1;
    if (args.kernelInitializer) this.kernelInitializer = args.kernelInitializer;
  }
  override build(inputShape: Shape | Shape[]): void {
    if (!isShapeList(inputShape) || inputShape.length !== 2) throw new Error('Projection takes [features, labels].');
    const f = lastDim(inputShape[0] as Shape);
    const init = () => makeInitializer(this.kernelInitializer, () => tfl.initializers.glorotUniform({}));
    const u = (name: string, n: number) =>
      this.addWeight(name, [n], 'float32', tfl.initializers.randomNormal({ mean: 0, stddev: 1 }), undefined, false);
    this.embeddings = this.addWeight('embeddings', [this.numClasses, f], 'float32', init());
    if (this.spectralNorm) this.uEmbed = u('sn_u_embeddings', f);
    if (this.linear) {
      this.kernel = this.addWeight('kernel', [f, 1], 'float32', init());
      this.bias = this.addWeight('bias', [1], 'float32', tfl.initializers.zeros());
      if (this.spectralNorm) this.uKernel = u('sn_u_kernel', 1);
    }
    this.built = true;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = isShapeList(inputShape) ? (inputShape[0] as Shape) : inputShape;
    return [s[0] ?? null, 1];
  }
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [h, y] = inputs as [tf.Tensor2D, tf.Tensor];
      const training = kwargs.training === true;
      const eff = (w: LayerVariable, u: LayerVariable | undefined) =>
        spectralRead(w, u, this.powerIterations, training);
      const ids = tf.cast(tf.reshape(y, [-1]), 'int32') as tf.Tensor1D;
      const onehot = tf.cast(tf.oneHot(ids, this.numClasses), 'float32') as tf.Tensor2D;
      const e = tf.matMul(onehot, eff(this.embeddings as LayerVariable, this.uEmbed));
      let logit = tf.sum(tf.mul(e, h), -1, true);
      if (this.kernel && this.bias)
        logit = tf.add(tf.add(logit, tf.matMul(h, eff(this.kernel, this.uKernel))), this.bias.read());
      return logit;
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      numClasses: this.numClasses,
      linear: this.linear,
      spectralNorm: this.spectralNorm,
      powerIterations: this.powerIterations,
      ...initConfig({ kernelInitializer: this.kernelInitializer }),
    };
  }
}

/** Global sum pooling, [B,H,W,C] -> [B,C]: the sum over H and W (SNGAN's and BigGAN's discriminators end this way). */
export class GlobalSumPool extends tfl.layers.Layer {
  static className = 'GanvasGlobalSumPool';
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = firstShape(inputShape);
    return [s[0] ?? null, s[3] ?? null];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.sum(first(inputs), [1, 2]));
  }
}
// ======================================================= end of BigGAN section

export const CUSTOM_LAYERS = {
  BatchNorm,
  InstanceNorm,
  PixelNorm,
  ReflectionPad,
  MinibatchStdDev,
  FadeIn,
  LearnedConstant,
  StyleModulation,
  NoiseInjection,
  SelfAttention,
  ReparamDense,
  ReparamConv2D,
  ReparamConv2DTranspose,
  ConditionalBatchNorm,
  Projection,
  GlobalSumPool,
} as const;
export type CustomLayerName = keyof typeof CUSTOM_LAYERS;

let registered = false;
/** Registers every custom layer with tf.serialization (idempotent). */
export function registerCustomLayers(): void {
  if (registered) return;
  for (const cls of Object.values(CUSTOM_LAYERS)) tf.serialization.registerClass(cls);
  // In place of tfjs-layers' own 'Orthogonal': tf.layers' configs that name it get ganvas' (see Orthogonal).
  tf.serialization.registerClass(
    Orthogonal as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
  );
  registered = true;
}
registerCustomLayers();
