/**
 * The latent explorer: runs a run's generator (trained, loaded from a
 * safetensors file, or at its seeded initial weights) on latents chosen by
 * hand: a grid from seeds, chosen z dimensions set, an interpolation between
 * two seeds, the truncation trick, a class for conditional generators, and
 * StyleGAN's style mixing. It evaluates the same sample program the run's
 * sample grids do (compile/plan.ts sampleProgram: the noise, labels and model
 * calls feeding the generator call), with the run's sample weights (EMA when
 * on), but with its noise and labels given instead of drawn.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type PlanNode, sampleProgram } from '../compile/index.js';
import { withSeededMathRandom } from '../data/index.js';
import { imageGrid, type Rgba, scatter2d, type Trainer } from '../train/index.js';
import {
  ExploreError,
  type LatentDistribution,
  lerp,
  seededLatent,
  setDimensions,
  slerp,
  truncateLatent,
} from './latent.js';

/** What the explorer offers for a generator. */
export interface ExplorerInfo {
  /** Length of z (the noise source feeding the generator). */
  zDim: number;
  distribution: LatentDistribution;
  /** Number of classes when a label source feeds the generator (a conditional model); undefined otherwise. */
  classes?: number;
  /**
   * 'w': a mapping network feeds the synthesis call, and truncation pulls w
   * toward its mean, w_avg + psi (w - w_avg) (StyleGAN), psi in [0, 1];
   * 'z': truncation redraws the entries of z beyond |psi| (BigGAN), psi > 0.
   */
  truncation: 'w' | 'z';
  /** Style layers that read w straight from the synthesis input (StyleGAN mixing crossover points); 0: no mixing. */
  styleLayers: number;
  /** Why style mixing is not offered ('' when it is). */
  noMixing: string;
  /** The sample shape, per sample ([28,28,1], or [2] for points). */
  sampleShape: number[];
}

/** One update of the explorer's picture. */
export interface ExploreRequest {
  /** One sample per seed, in a grid (ignored when `interpolate` is given). */
  seeds?: number[];
  /** Samples along the path from seed a's latent to seed b's, at each t. */
  interpolate?: { a: number; b: number; ts: number[]; method: 'linear' | 'spherical' };
  /** z dimensions set to chosen values (after truncation). */
  dims?: { index: number; value: number }[];
  /** Truncation psi (see ExplorerInfo.truncation); undefined for none. */
  truncation?: number;
  /** The class of every sample, for a conditional generator (default 0). */
  label?: number;
  /** Style mixing: style layers `from` and later take w from `seed`'s latent (coarse styles stay the sample's own). */
  mix?: { seed: number; from: number };
  /** Grid columns (default: as square as it goes; a row for an interpolation). */
  columns?: number;
}

export interface ExploreResult {
  picture: Rgba;
  /** Samples in the picture. */
  count: number;
  /** The generated values, [count, ...sampleShape]. */
  values: Float32Array;
  /** Milliseconds from request to pixels (latents, generator, read back, picture). */
  ms: number;
}

/** The few tfjs-layers graph internals the style mixing walk reads (a functional model's nodes, by depth). */
export interface GraphNode {
  outboundLayer: tfl.layers.Layer;
  inputTensors: { id: number }[];
  outputTensors: { id: number }[];
}
export interface GraphModel {
  inputs: { id: number }[];
  outputs: { id: number }[];
  inputLayers: tfl.layers.Layer[];
  nodesByDepth: Record<string, GraphNode[]>;
}

const STYLE_CLASS = 'GanvasStyleModulation';
/** Latents averaged for StyleGAN's w_avg (its mean over the mapping network's outputs). */
const W_AVG_SAMPLES = 1024;
const MAX_SAMPLES = 256;

/** A run's generator under the explorer: built once per trainer; reads the trainer's weights at every update. */
export class Explorer {
  readonly info: ExplorerInfo;
  private readonly program: { target: PlanNode; nodes: PlanNode[] };
  private readonly noise: PlanNode;
  private readonly mapping: PlanNode | undefined;

  constructor(private readonly trainer: Trainer) {
    this.program = sampleProgram(trainer.plan);
    const { target, nodes } = this.program;
    const noise = nodes.filter((n) => n.op?.op === 'noise');
    const labels = nodes.filter((n) => n.op?.op === 'labels');
    const other = nodes.find((n) => n.op && !['noise', 'labels', 'call'].includes(n.op.op));
    if (other)
      throw new ExploreError(
        `The generator call '${target.id}' is fed by '${other.id}' (${other.type}), not only by noise and labels: the explorer needs a generator of z.`,
      );
    if (noise.length !== 1)
      throw new ExploreError(
        `The explorer needs one noise source feeding the generator call '${target.id}'; it has ${noise.length}.`,
      );
    this.noise = noise[0]!;
    const op = this.noise.op as { op: 'noise'; dim: number; distribution: LatentDistribution };
    this.mapping = nodes.find((n) => n.op?.op === 'call' && n !== target && target.inputs.some((i) => i.node === n.id));
    const model = this.model(target);
    const mixing = styleLayerCount(model);
    const labelOp = labels[0]?.op as { numClasses: number } | undefined;
    this.info = {
      zDim: op.dim,
      distribution: op.distribution,
      ...(labelOp ? { classes: labelOp.numClasses } : {}),
      truncation: this.mapping ? 'w' : 'z',
      styleLayers: this.mapping ? mixing.count : 0,
      noMixing: !this.mapping
        ? 'style mixing needs a mapping network feeding the synthesis network (StyleGAN)'
        : mixing.why,
      sampleShape: (model.outputs[0]!.shape as (number | null)[]).slice(1).map((d) => d ?? 0),
    };
  }

  private model(n: PlanNode): tfl.LayersModel {
    const name = (n.op as { model: string }).model;
    const m = this.trainer.models.get(name);
    if (!m) throw new ExploreError(`Model '${name}' is missing.`);
    return m;
  }

  /** The latents a request asks for, one z per sample (truncation in z applied, then the chosen dimensions set). */
  latents(req: ExploreRequest): Float32Array[] {
    const { zDim, distribution, truncation } = this.info;
    const psi = truncation === 'z' ? req.truncation : undefined;
    const one = (seed: number) => {
      checkSeed(seed);
      const z = seededLatent(seed, zDim, distribution);
      const t = psi !== undefined ? truncateLatent(z, psi, seed, distribution) : z;
      return setDimensions(t, req.dims ?? []);
    };
    if (req.interpolate) {
      const { a, b, ts, method } = req.interpolate;
      const za = one(a);
      const zb = one(b);
      return ts.map((t) => (method === 'spherical' ? slerp(za, zb, t) : lerp(za, zb, t)));
    }
    const seeds = req.seeds ?? [];
    if (seeds.length === 0) throw new ExploreError('Give one or more seeds.');
    return seeds.map(one);
  }

  /** Runs the generator for a request: the picture and the values. */
  async explore(req: ExploreRequest): Promise<ExploreResult> {
    const t0 = performance.now();
    this.check(req);
    const zs = this.latents(req);
    if (zs.length > MAX_SAMPLES) throw new ExploreError(`At most ${MAX_SAMPLES} samples at once; ${zs.length} asked.`);
    const n = zs.length;
    const out = this.trainer.withSampleWeights(() =>
      // NoiseInjection layers draw from Math.random: seeded by the request's first seed, the same picture every time.
      withSeededMathRandom(`explore:${req.interpolate?.a ?? req.seeds?.[0] ?? 0}`, () =>
        tf.tidy(() => {
          if (!req.mix) return this.evaluate(zs, req);
          const wA = this.evaluate(zs, req, true);
          const mixZ = this.latents({ ...req, interpolate: undefined, seeds: Array(n).fill(req.mix.seed) });
          const wB = this.evaluate(mixZ, req, true);
          const synth = this.model(this.program.target) as unknown as GraphModel;
          return runStyled(synth, wA, wB, req.mix.from);
        }),
      ),
    );
    const values = (await out.data()) as Float32Array;
    const shape = out.shape;
    out.dispose();
    let picture: Rgba;
    if (shape.length === 4) {
      const [, h, w, c] = shape as [number, number, number, number];
      const columns = req.columns ?? (req.interpolate ? n : Math.ceil(Math.sqrt(n)));
      picture = imageGrid(values, n, h, w, c, columns);
    } else if (shape.length === 2 && shape[1] === 2) {
      let extent = 1;
      for (const v of values) extent = Math.max(extent, Math.abs(v) * 1.2);
      picture = scatter2d(new Float32Array(0), values, extent, 300);
    } else throw new ExploreError(`The generator gives [${shape.join(',')}]: the explorer draws images or 2D points.`);
    return { picture, count: n, values, ms: performance.now() - t0 };
  }

  private check(req: ExploreRequest): void {
    const { classes, truncation, styleLayers, noMixing } = this.info;
    if (
      req.label !== undefined &&
      (classes === undefined || !Number.isInteger(req.label) || req.label < 0 || req.label >= classes)
    )
      throw new ExploreError(
        classes === undefined
          ? 'This generator takes no class label (no label source feeds it).'
          : `Class ${req.label} does not exist: the classes are 0 to ${classes - 1}.`,
      );
    const psi = req.truncation;
    if (psi !== undefined && (!Number.isFinite(psi) || psi < 0 || (truncation === 'z' && psi === 0)))
      throw new ExploreError(
        truncation === 'z'
          ? `Truncation threshold must be above 0; it is ${psi}.`
          : `Truncation psi must be 0 or more; it is ${psi}.`,
      );
    if (req.mix) {
      if (styleLayers === 0) throw new ExploreError(`No style mixing here: ${noMixing}.`);
      checkSeed(req.mix.seed);
      if (!Number.isInteger(req.mix.from) || req.mix.from < 0 || req.mix.from > styleLayers)
        throw new ExploreError(`The crossover layer must be 0 to ${styleLayers}; it is ${req.mix.from}.`);
    }
    if (req.interpolate) {
      const bad = req.interpolate.ts.find((t) => !Number.isFinite(t));
      if (bad !== undefined || req.interpolate.ts.length === 0)
        throw new ExploreError('Interpolation needs finite t values.');
    }
  }

  /**
   * The sample program with z (and the request's class) given: the generator
   * call's output, or with `inputOnly` the synthesis call's input (w).
   * Truncation in W is applied to the mapping call's output.
   */
  private evaluate(zs: Float32Array[], req: ExploreRequest, inputOnly = false): tf.Tensor {
    const n = zs.length;
    const dim = this.info.zDim;
    const flat = new Float32Array(n * dim);
    zs.forEach((z, i) => flat.set(z, i * dim));
    const values = new Map<string, tf.Tensor>();
    const { target, nodes } = this.program;
    const get = (node: PlanNode, port: string): tf.Tensor => {
      const src = node.inputs.find((i) => i.port === port);
      if (!src) throw new ExploreError(`'${node.id}' has no input '${port}'.`);
      const v = values.get(src.node);
      if (!v) throw new ExploreError(`The value of '${src.node}' is missing.`);
      return v;
    };
    for (const node of nodes) {
      const op = node.op;
      if (!op) continue;
      if (op.op === 'noise') values.set(node.id, tf.tensor2d(flat, [n, dim]));
      else if (op.op === 'labels') values.set(node.id, tf.fill([n, 1], req.label ?? 0, 'int32'));
      else if (op.op === 'call') {
        const model = this.model(node);
        const args = node.inputs.map((i) => get(node, i.port));
        if (node === target && inputOnly) return args[0] as tf.Tensor;
        const y = model.apply(args.length === 1 ? (args[0] as tf.Tensor) : args, { training: false });
        let out = Array.isArray(y) ? (y[0] as tf.Tensor) : (y as tf.Tensor);
        if (node === this.mapping && req.truncation !== undefined) out = this.truncateW(model, out, req.truncation);
        values.set(node.id, out);
      }
    }
    return values.get(target.id) as tf.Tensor;
  }

  /** w_avg + psi (w - w_avg), with w_avg the mapping network's mean output over W_AVG_SAMPLES seeded latents. */
  private truncateW(mapping: tfl.LayersModel, w: tf.Tensor, psi: number): tf.Tensor {
    const { zDim, distribution } = this.info;
    const flat = new Float32Array(W_AVG_SAMPLES * zDim);
    for (let i = 0; i < W_AVG_SAMPLES; i++) flat.set(seededLatent(-1 - i, zDim, distribution), i * zDim);
    const all = mapping.apply(tf.tensor2d(flat, [W_AVG_SAMPLES, zDim]), { training: false }) as tf.Tensor;
    const avg = tf.mean(all, 0);
    return tf.add(avg, tf.mul(psi, tf.sub(w, avg)));
  }
}

function checkSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 31 - 1)
    throw new ExploreError(`A seed must be a whole number from 0 to 2147483647; got ${seed}.`);
}

/** StyleModulation layers that read the synthesis network's (only) input directly, and why mixing is refused otherwise. */
function styleLayerCount(model: tfl.LayersModel): { count: number; why: string } {
  const g = model as unknown as GraphModel;
  if (g.inputs.length !== 1) return { count: 0, why: 'the synthesis network takes more than one input' };
  const input = g.inputs[0]!.id;
  let count = 0;
  let indirect = 0;
  for (const nodes of Object.values(g.nodesByDepth))
    for (const node of nodes) {
      if (node.outboundLayer.getClassName() !== STYLE_CLASS) continue;
      if (node.inputTensors.some((t) => t.id === input)) count++;
      else indirect++;
    }
  if (count === 0) return { count, why: 'the synthesis network has no style layer reading w' };
  if (indirect > 0) return { count: 0, why: 'some style layers read w through other layers' };
  return { count, why: '' };
}

/**
 * Runs a functional model as tfjs-layers does (its nodes by depth, deepest
 * first), except that the style layers from the `from`-th on (in that order,
 * coarse to fine) read wB where they read the model's input: StyleGAN's style
 * mixing (Karras et al. 2019, section 3.1). from = 0 gives the picture of wB,
 * from = the style layer count that of wA.
 */
export function runStyled(model: GraphModel, wA: tf.Tensor, wB: tf.Tensor, from: number): tf.Tensor {
  const input = model.inputs[0]!.id;
  const values = new Map<number, tf.Tensor>([[input, wA]]);
  const inputLayers = new Set(model.inputLayers);
  let k = 0;
  const depths = Object.keys(model.nodesByDepth)
    .map(Number)
    .sort((a, b) => b - a);
  for (const d of depths)
    for (const node of model.nodesByDepth[String(d)] ?? []) {
      const layer = node.outboundLayer;
      if (inputLayers.has(layer)) continue;
      const style = layer.getClassName() === STYLE_CLASS;
      const useB = style && k++ >= from;
      const ins = node.inputTensors.map((t) => {
        if (useB && t.id === input) return wB;
        const v = values.get(t.id);
        if (!v) throw new ExploreError(`Layer '${layer.name}' runs before its inputs.`);
        return v;
      });
      const y = layer.apply(ins.length === 1 ? (ins[0] as tf.Tensor) : ins, { training: false });
      const outs = Array.isArray(y) ? (y as tf.Tensor[]) : [y as tf.Tensor];
      node.outputTensors.forEach((t, j) => values.set(t.id, outs[j] as tf.Tensor));
    }
  const out = values.get(model.outputs[0]!.id);
  if (!out) throw new ExploreError('The synthesis network gave no output.');
  return out;
}

/** One sample [H,W,C] (values in [-1,1], C = 1 or 3) as a picture of its own size, no gutter. */
export function samplePicture(values: Float32Array, h: number, w: number, c: number): Rgba {
  const data = new Uint8ClampedArray(h * w * 4);
  for (let p = 0; p < h * w; p++) {
    for (let ch = 0; ch < 3; ch++) {
      const v = values[p * c + (c === 1 ? 0 : ch)] as number;
      data[p * 4 + ch] = Math.round(((Math.max(-1, Math.min(1, v)) + 1) / 2) * 255);
    }
    data[p * 4 + 3] = 255;
  }
  return { width: w, height: h, data };
}
