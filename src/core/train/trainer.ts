/**
 * The training loop: runs a TrainingPlan on whatever tfjs backend is active,
 * identically in Node and the browser.
 *
 * Each step trains D `dStepsPerGStep` times, then G once (Goodfellow et al.
 * 2014, Algorithm 1). A player's update is its program (compile/plan.ts
 * playerProgram): the nodes that do not depend on the player's own models are
 * evaluated outside the gradient tape (G's samples in a D step, D on real
 * data in a G step); the rest, with the player's loss terms, inside
 * tf.variableGrads. The ops are evaluated by the tfjs emitter (emitter.ts).
 * All randomness derives from the seed and the step number, so a run is
 * reproducible on one backend and a resumed run continues exactly as an
 * uninterrupted one.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { compileModel } from '../compile/model.js';
import {
  compileTrainingPlan,
  emitNodes,
  type PlanNode,
  type PlayerProgram,
  playerProgram,
  sampleProgram,
  type TrainingPlan,
} from '../compile/plan.js';
import { createSampler, type DataAssets, type Sampler } from '../data/datasets.js';
import { makeRng, type Rng, withSeededMathRandom } from '../data/random.js';
import type { AdaSettings, AdversarialKind, Player } from '../nodes/training.js';
import type { ProjectAnalysis } from '../validate.js';
import { adaAdjust } from './augment.js';
import { CheckpointError, type NamedTensor } from './checkpoint.js';
import { TfjsEmitter } from './emitter.js';
import { registerSecondOrderGradients } from './gradients.js';
import { exactAdamPowers, groupedUpdate, makeOptimizer } from './optimizers.js';
import { type ProgressivePhase, type ProgressiveSchedule, progressivePhase, setFadeAlphas } from './progressive.js';
import { type LrSchedule, learningRateAt, scheduleOf, setLearningRate } from './schedule.js';

export interface TrainerOptions {
  seed?: number;
  batchSize?: number;
  dStepsPerGStep?: number;
  emaDecay?: number;
  assets?: DataAssets;
  /** A loss whose magnitude exceeds this stops the run (default 1e6). */
  divergenceLimit?: number;
  /** Replace the kind of every AdversarialLoss node (for `ganvas compare`). */
  overrideLoss?: AdversarialKind;
}

export interface StepMetrics {
  step: number;
  /** Every loss term by name ("D/loss", "G/loss", "D/gp"), and each player's total ("D", "G"). */
  losses: Record<string, number>;
  /** Mean D logit on real and on fake samples (from the adversarial loss node). */
  dReal?: number;
  dFake?: number;
  /** Wasserstein estimate E[D(real)] - E[D(fake)] for wgan losses. */
  wasserstein?: number;
  gradNorm: Record<Player, number>;
  /** Each optimizer's learning rate in this step, as "lr/<optimizer id>" (see schedule.ts). */
  lr: Record<string, number>;
  /** With ADA (an Augment node with ada on): "ada/p", p after this step, and "ada/rt", r_t when p was adjusted. */
  ada?: Record<string, number>;
  /** With progressive growing (a Progressive node): where this step was in the schedule (train/progressive.ts). */
  progressive?: ProgressivePhase;
  seconds: number;
}

export type { NamedTensor };

export class TrainingError extends Error {}

type Values = Map<string, tf.Tensor[]>;

interface OptimizerEntry {
  id: string;
  player: Player;
  optimizer: tf.Optimizer;
  vars: tf.Variable[];
  baseLr: number;
  schedule: LrSchedule;
}

function variablesOf(model: tfl.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

export class Trainer {
  readonly plan: TrainingPlan;
  readonly models = new Map<string, tfl.LayersModel>();
  readonly seed: number;
  readonly batchSize: number;
  readonly dSteps: number;
  readonly emaDecay: number;
  step = 0;
  private readonly samplers = new Map<string, Sampler>();
  private readonly optimizers: OptimizerEntry[] = [];
  private readonly programs: Record<Player, PlayerProgram>;
  private readonly sampleProgram: { target: PlanNode; nodes: PlanNode[] };
  private readonly vars: Record<Player, tf.Variable[]>;
  private readonly ema = new Map<tf.Variable, tf.Variable>();
  private readonly divergenceLimit: number;
  private readonly overrideLoss: AdversarialKind | undefined;
  /** ADA's settings (the first Augment node with ada on), its p, and r_t's running sum and count (float32 values). */
  private readonly ada: AdaSettings | undefined;
  private adaP = 0;
  private adaSum = 0;
  private adaCount = 0;
  /** Progressive growing's schedule (the Progressive node), and its level of detail for the current step. */
  private readonly progressive: ProgressiveSchedule | undefined;
  private lod = 0;
  /** The step whose phase samples are drawn at, when the generator's weights came from a file (showProgressAt). */
  private sampleStep: number | undefined;

  constructor(
    readonly analysis: ProjectAnalysis,
    opts: TrainerOptions = {},
  ) {
    registerSecondOrderGradients();
    this.plan = compileTrainingPlan(analysis);
    const s = this.plan.settings;
    this.seed = opts.seed ?? s.seed;
    this.batchSize = opts.batchSize ?? s.batchSize;
    this.dSteps = opts.dStepsPerGStep ?? s.dStepsPerGStep;
    this.emaDecay = opts.emaDecay ?? s.emaDecay;
    this.divergenceLimit = opts.divergenceLimit ?? 1e6;
    this.overrideLoss = opts.overrideLoss;

    // Models, with weights initialised from the seed.
    withSeededMathRandom(`${this.seed}:init`, () => {
      for (const name of this.plan.models) {
        const m = analysis.models.get(name);
        if (!m) throw new TrainingError(`Model '${name}' is missing.`);
        this.models.set(name, compileModel(m));
      }
    });
    for (const n of this.plan.nodes)
      if (n.op?.op === 'dataset') this.samplers.set(n.id, createSampler(n.op.params, opts.assets ?? {}));

    for (const player of ['D', 'G'] as Player[]) {
      for (const o of this.plan.players[player].optimizers) {
        const vars = (o.params.models as string[]).flatMap((m) => variablesOf(this.models.get(m) as tfl.LayersModel));
        this.optimizers.push({
          id: o.id,
          player,
          optimizer: makeOptimizer(o.params),
          vars,
          baseLr: o.params.learningRate as number,
          schedule: scheduleOf(o.params),
        });
      }
    }
    this.vars = {
      D: this.optimizers.filter((o) => o.player === 'D').flatMap((o) => o.vars),
      G: this.optimizers.filter((o) => o.player === 'G').flatMap((o) => o.vars),
    };
    this.programs = { D: playerProgram(this.plan, 'D'), G: playerProgram(this.plan, 'G') };
    this.sampleProgram = sampleProgram(this.plan);
    const adaNode = this.plan.nodes.find((n) => n.op?.op === 'augment' && n.op.ada);
    if (adaNode?.op?.op === 'augment' && adaNode.op.ada) {
      this.ada = adaNode.op.ada;
      this.adaP = Math.fround(adaNode.op.p);
    }
    const grow = this.plan.nodes.find((n) => n.op?.op === 'progressive');
    if (grow?.op?.op === 'progressive') this.progressive = grow.op.schedule;
    this.applyProgress();
    if (this.emaDecay > 0)
      for (const v of this.vars.G) {
        // The variable keeps the clone's data; the clone itself is freed (else dispose() leaves one tensor per weight).
        const start = v.clone();
        this.ema.set(v, tf.variable(start, false, `ema/${v.name}`));
        start.dispose();
      }
  }

  /**
   * Progressive growing: the phase after the images shown so far (steps x batch), with every FadeIn layer set to
   * it; undefined without a Progressive node (FadeIn layers then stay at 1, the full network).
   */
  applyProgress(step = this.step): ProgressivePhase | undefined {
    if (!this.progressive) return undefined;
    const phase = progressivePhase(this.progressive, step * this.batchSize);
    this.lod = phase.lod;
    setFadeAlphas(this.models.values(), this.progressive.final, phase.lod);
    return phase;
  }

  private rng(purpose: string, k = 0): Rng {
    return makeRng(`${this.seed}:${purpose}:${this.step}:${k}`);
  }

  /**
   * One player's update. Returns kept scalars (losses, metrics) to read later; with `metrics` false (a D step
   * that is not the step's last, whose figures nobody reads) none, and the gradient norm is not computed.
   */
  private playerStep(player: Player, k: number, metrics = true): Map<string, tf.Scalar> {
    const batch = this.batchSize;
    const kept = new Map<string, tf.Scalar>();
    const seed = `${this.seed}:${player}:${this.step}:${k}`;
    withSeededMathRandom(seed, () =>
      tf.tidy(() => {
        const rng = this.rng(player, k);
        const values: Values = new Map();
        const program = this.programs[player];
        const ctx = { player, training: true };
        // Sources and model calls that do not depend on this player's models: outside the tape.
        emitNodes(this.plan, program.outside, this.emitter(batch, rng), values, ctx);
        const record = new Map<string, tf.Scalar>();
        const objective = (): tf.Scalar => {
          const local: Values = new Map(values);
          emitNodes(this.plan, program.inside, this.emitter(batch, rng, record), local, ctx);
          let total = tf.scalar(0);
          for (const t of program.terms) {
            const v = (local.get(t.id) as tf.Tensor[])[0] as tf.Scalar;
            record.set(`${player}/${t.id}`, v);
            total = tf.add(total, v);
          }
          if (metrics) for (const [name, v] of record) kept.set(name, tf.keep(tf.clone(v)) as tf.Scalar);
          return total;
        };
        const { value, grads } = tf.variableGrads(objective, this.vars[player]);
        if (metrics) {
          kept.set(player, tf.keep(value));
          // One sum of squares over all gradients, concatenated: three element-wise kernels, not three per variable.
          const flat = tf.concat(Object.values(grads).map((g) => tf.reshape(g, [-1])));
          kept.set(`|grad ${player}|`, tf.keep(tf.sqrt(tf.sum(tf.square(flat)))) as tf.Scalar);
        }
        for (const o of this.optimizers) {
          if (o.player !== player) continue;
          const mine: tf.NamedTensorMap = {};
          for (const v of o.vars) if (grads[v.name]) mine[v.name] = grads[v.name] as tf.Tensor;
          o.optimizer.applyGradients(mine);
        }
      }),
    );
    return kept;
  }

  /** One training step: D steps, then a G step, then the EMA update. Reads its metrics asynchronously. */
  async trainStep(): Promise<StepMetrics> {
    const t0 = performance.now();
    this.sampleStep = undefined;
    const phase = this.applyProgress();
    // The rates of this step: a function of the step alone, so a resumed run continues at the same rate.
    const lr: Record<string, number> = {};
    for (const o of this.optimizers) {
      const rate = learningRateAt(o.schedule, o.baseLr, this.step);
      setLearningRate(o.optimizer, rate);
      lr[`lr/${o.id}`] = rate;
    }
    const kept = new Map<string, tf.Scalar>();
    // Only the last D step's figures are reported: the earlier ones compute none, unless ADA needs each D
    // update's E[sign(D(real))].
    const signs: tf.Scalar[] = [];
    for (let k = 0; k < this.dSteps; k++)
      for (const [name, v] of this.playerStep('D', k, k === this.dSteps - 1 || this.ada !== undefined)) {
        if (name === 'E[sign D(real)]' && this.ada) signs.push(tf.clone(v));
        kept.get(name)?.dispose();
        kept.set(name, v);
      }
    for (const [name, v] of this.playerStep('G', 0)) kept.set(name, v);
    if (this.emaDecay > 0) {
      const d = this.emaDecay;
      tf.tidy(() => {
        // e <- d e + (1 - d) w; the small weights in one update (groupedUpdate: the same values, fewer kernels).
        const f = ([e, w]: tf.Tensor[]) => [tf.add(tf.mul(e as tf.Tensor, d), tf.mul(w as tf.Tensor, 1 - d))];
        const emas = [...this.ema.values()];
        groupedUpdate([emas, [...this.ema.keys()]], f, [emas]);
      });
    }
    const names = [...kept.keys()];
    // One read for all of the step's figures and ADA's signs (each read of a GPU tensor is a round trip that
    // waits for the queue), and asynchronous: dataSync of GPU tensors is unreliable on WebGPU.
    const parts = [...kept.values(), ...signs];
    const all = tf.tidy(() => tf.concat(parts.map((t) => tf.reshape(t, [-1]))));
    const flat = await all.data();
    const values: number[] = [];
    let offset = 0;
    for (const t of parts) {
      values.push(flat[offset] as number);
      offset += t.size;
    }
    tf.dispose([all, ...parts]);
    const data = values.slice(0, kept.size);
    const signData = values.slice(kept.size);
    const get = (n: string): number | undefined => {
      const i = names.indexOf(n);
      return i >= 0 ? (data[i] as number) : undefined;
    };
    const losses: Record<string, number> = {};
    for (const n of names)
      if (n === 'D' || n === 'G' || n.startsWith('D/') || n.startsWith('G/')) losses[n] = get(n) as number;
    this.step++;
    const m: StepMetrics = {
      step: this.step,
      losses,
      gradNorm: { D: get('|grad D|') ?? 0, G: get('|grad G|') ?? 0 },
      lr,
      seconds: (performance.now() - t0) / 1000,
    };
    const dReal = get('D(real)');
    const dFake = get('D(fake)');
    const w = get('W');
    if (dReal !== undefined) m.dReal = dReal;
    if (dFake !== undefined) m.dFake = dFake;
    if (w !== undefined) m.wasserstein = w;
    if (this.ada) m.ada = this.adaUpdate(signData);
    if (phase) m.progressive = phase;
    return m;
  }

  /**
   * ADA's feedback after a step (its D updates' E[sign(D(real))] given): every `interval` steps p moves toward the
   * target (adaAdjust). Sums and p are kept in float32, as checkpoints store them, so a resumed run is exact.
   */
  private adaUpdate(signs: number[]): Record<string, number> {
    const ada = this.ada as AdaSettings;
    for (const v of signs) this.adaSum = Math.fround(this.adaSum + v);
    this.adaCount += signs.length;
    const out: Record<string, number> = {};
    if (this.step % ada.interval === 0 && this.adaCount > 0) {
      const rt = Math.fround(this.adaSum / this.adaCount);
      this.adaP = Math.fround(adaAdjust(this.adaP, rt, this.batchSize, ada));
      this.adaSum = 0;
      this.adaCount = 0;
      out['ada/rt'] = rt;
    }
    out['ada/p'] = this.adaP;
    return out;
  }

  /** Why a step's figures mean the run must stop, or undefined. */
  divergence(m: StepMetrics): string | undefined {
    for (const [name, v] of Object.entries({ ...m.losses, '|grad D|': m.gradNorm.D, '|grad G|': m.gradNorm.G })) {
      if (!Number.isFinite(v)) return `${name} became ${v} at step ${m.step}`;
      if (Math.abs(v) > this.divergenceLimit)
        return `${name} exploded to ${v.toExponential(2)} at step ${m.step} (limit ${this.divergenceLimit.toExponential(0)})`;
    }
    return undefined;
  }

  /** The ModelCall whose output is the generated sample (see sampleCall). */
  sampleNode(): PlanNode | undefined {
    return this.sampleProgram.target;
  }

  /** The tfjs emitter of the training graph's ops, for one walk (batch size, random stream, metrics record). */
  private emitter(batch: number, rng: Rng, record?: Map<string, tf.Scalar>): TfjsEmitter {
    return new TfjsEmitter(
      this.models,
      this.samplers,
      batch,
      rng,
      this.overrideLoss,
      record,
      this.ada ? this.adaP : undefined,
      this.lod,
    );
  }

  /**
   * Generates n samples through the training graph (noise, labels or data
   * feeding the first G call), with the EMA weights when EMA is on. The same
   * `seed` gives the same inputs: a fixed noise batch for sample grids.
   */
  generate(n: number, seed = 12345): tf.Tensor {
    const { target, nodes } = this.sampleProgram;
    return this.withSampleWeights(() =>
      // Math.random seeded too: layers that draw their own noise (NoiseInjection) give the same picture for the same seed.
      withSeededMathRandom(`sample:${seed}`, () =>
        tf.tidy(() => {
          const values: Values = new Map();
          emitNodes(this.plan, nodes, this.emitter(n, makeRng(`sample:${seed}`)), values, {
            player: 'sample',
            training: false,
          });
          return (values.get(target.id) as tf.Tensor[])[0] as tf.Tensor;
        }),
      ),
    );
  }

  /**
   * Runs fn with the weights samples are drawn with: the EMA weights when EMA
   * is on (swapped in, and the training weights put back after), else the
   * weights as they are. The latent explorer evaluates its generator in here.
   */
  withSampleWeights<T>(fn: () => T): T {
    // Progressive growing: at the phase samples are drawn at (the explorer runs the layers itself).
    this.applyProgress(this.sampleStep);
    const swap = this.emaDecay > 0;
    const saved = swap ? [...this.ema.keys()].map((v) => tf.keep(v.clone())) : [];
    if (swap) for (const [v, e] of this.ema) v.assign(e);
    try {
      return fn();
    } finally {
      if (swap) {
        [...this.ema.keys()].forEach((v, i) => v.assign(saved[i] as tf.Tensor));
        tf.dispose(saved);
      }
    }
  }

  /** A batch of real samples (the first Dataset's first port). */
  realSamples(n: number, seed = 54321): tf.Tensor {
    const ds = this.plan.nodes.find((x) => x.type === 'Dataset');
    if (!ds) throw new TrainingError('The training graph has no Dataset.');
    const out = (this.samplers.get(ds.id) as Sampler).next(n, makeRng(`real:${seed}`));
    const first = out[ds.outputPorts[0] as string] as tf.Tensor;
    for (const t of Object.values(out)) if (t !== first) t.dispose();
    return first;
  }

  /** 2D mixture modes of the first dataset, when it is one. */
  modes(): { centers: [number, number][]; std: number } | undefined {
    const ds = this.plan.nodes.find((x) => x.type === 'Dataset');
    return ds ? this.samplers.get(ds.id)?.modes : undefined;
  }

  /**
   * A snapshot of the run's state: model weights, optimizer slots, EMA. The
   * tensors are copies, owned by the caller (dispose them).
   */
  async state(): Promise<{ step: number; seed: number; tensors: NamedTensor[] }> {
    const tensors: NamedTensor[] = [];
    for (const [name, m] of this.models)
      m.weights.forEach((w, i) =>
        tensors.push({ name: `model/${name}/${i}/${w.originalName}`, tensor: tf.clone(w.read()) }),
      );
    for (const o of this.optimizers) {
      for (const w of await o.optimizer.getWeights()) {
        // Adam's slots are named after the variables; name them by position instead, stable across runs.
        const k = o.vars.findIndex((v) => w.name.startsWith(`${v.name}/`));
        const slot = k >= 0 ? `${k}${w.name.slice(o.vars[k]!.name.length)}` : w.name;
        tensors.push({ name: `opt/${o.id}/${slot}`, tensor: w.name === 'iter' ? w.tensor : tf.clone(w.tensor) });
      }
    }
    let i = 0;
    for (const e of this.ema.values()) tensors.push({ name: `ema/${i++}`, tensor: tf.clone(e) });
    if (this.ada)
      tensors.push({ name: 'ada/state', tensor: tf.tensor1d([this.adaP, this.adaSum, this.adaCount], 'float32') });
    return { step: this.step, seed: this.seed, tensors };
  }

  /**
   * Restores a state saved by state() from the same project. Everything is
   * checked first (every tensor this run needs, by name, shape and dtype, and
   * none it does not know): on a mismatch it throws a CheckpointError naming
   * the differences and changes nothing. Holds no tensor of `s` afterwards
   * (the caller disposes them) and frees the optimizer slots it replaces.
   */
  async restore(s: { step: number; tensors: NamedTensor[] }): Promise<void> {
    if (!Number.isSafeInteger(s.step) || s.step < 0)
      throw new CheckpointError(`its step ${String(s.step)} is not a whole number >= 0.`);
    const byName = new Map(s.tensors.map((t) => [t.name, t.tensor]));
    const problems: string[] = [];
    const known = new Set<string>();
    const expect = (name: string, what: string, shape: readonly number[]): tf.Tensor | undefined => {
      known.add(name);
      const t = byName.get(name);
      if (!t) problems.push(`it has no tensor for ${what}`);
      else if (t.shape.join() !== shape.join())
        problems.push(`${what} has shape [${t.shape}] in it, [${shape}] in this project`);
      else if (t.dtype !== 'float32') problems.push(`${what} is ${t.dtype} in it, float32 in this project`);
      else return t;
      return undefined;
    };
    const writes: (() => void)[] = [];
    for (const [name, m] of this.models)
      m.weights.forEach((w, i) => {
        const what = `weight ${i} (${w.originalName}) of model '${name}'`;
        // A weight's shape has no null (unknown) dimension.
        const t = expect(`model/${name}/${i}/${w.originalName}`, what, w.shape as number[]);
        if (t) writes.push(() => w.write(t));
      });
    const slots = new Map<OptimizerEntry, { name: string; tensor: tf.Tensor }[]>();
    for (const o of this.optimizers) {
      const prefix = `opt/${o.id}/`;
      const ws: { name: string; tensor: tf.Tensor }[] = [];
      for (const t of s.tensors) {
        if (!t.name.startsWith(prefix)) continue;
        known.add(t.name);
        const slot = t.name.slice(prefix.length);
        const m = /^(\d+)(\/.*)$/.exec(slot);
        const v = m ? o.vars[Number(m[1])] : undefined;
        const opt = `optimizer '${o.id}'`;
        if (m && !v) problems.push(`${opt} has a slot for variable ${m[1]} in it, but trains ${o.vars.length} here`);
        else if (v && t.tensor.shape.join() !== v.shape.join())
          problems.push(`${opt} slot ${slot} has shape [${t.tensor.shape}] in it, [${v.shape}] in this project`);
        else if (!m && slot !== 'iter') problems.push(`${opt} has an unknown slot '${slot}' in it`);
        else if (!m && t.tensor.size !== 1) problems.push(`${opt} iteration count has shape [${t.tensor.shape}]`);
        ws.push({ name: v && m ? `${v.name}${m[2]}` : slot, tensor: t.tensor });
      }
      // setWeights takes the iteration count first.
      ws.sort((a, b) => (a.name === 'iter' ? -1 : b.name === 'iter' ? 1 : 0));
      if (ws.length > 0 && ws[0]?.name !== 'iter')
        problems.push(`optimizer '${o.id}' has slots but no iteration count in it`);
      slots.set(o, ws);
    }
    let i = 0;
    for (const [v, e] of this.ema) {
      const t = expect(`ema/${i}`, `the EMA of generator weight ${i}`, v.shape);
      i++;
      if (t) writes.push(() => e.assign(t));
    }
    let adaState: tf.Tensor | undefined;
    if (this.ada) adaState = expect('ada/state', "ADA's p and r_t sums", [3]);
    for (const t of s.tensors) {
      if (known.has(t.name)) continue;
      const model = /^model\/([^/]+)\//.exec(t.name)?.[1];
      if (model !== undefined && !this.models.has(model))
        problems.push(`it has weights of a model '${model}' this project does not train`);
      else problems.push(`it has a tensor '${t.name}' this project does not use`);
    }
    if (problems.length > 0) {
      const unique = [...new Set(problems)];
      const more = unique.length > 5 ? ` (and ${unique.length - 5} more)` : '';
      const list = `${unique.slice(0, 5).join('; ')}${more}`;
      throw new CheckpointError(`it does not fit this project (saved from another project or version): ${list}.`);
    }
    for (const w of writes) w();
    if (adaState)
      [this.adaP, this.adaSum, this.adaCount] = Array.from(await adaState.data()) as [number, number, number];
    for (const [o, ws] of slots) {
      if (ws.length === 0) continue;
      // setWeights makes new variables of the tensors it is given (sharing their data) and drops the old
      // ones without freeing them: hand it copies, free the copies, then free the slots it replaced.
      const old = await o.optimizer.getWeights();
      const copies = ws.map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) }));
      await o.optimizer.setWeights(copies);
      exactAdamPowers(o.optimizer);
      tf.dispose(copies.map((c) => c.tensor));
      tf.dispose(old.map((w) => w.tensor));
    }
    this.step = s.step;
    this.sampleStep = undefined;
    this.applyProgress();
  }

  /**
   * Progressive growing: samples are drawn at the phase of `step` (the step a generator file was saved at) rather
   * than the run's, until the next training step; undefined: at the end of the growth (the full network).
   */
  showProgressAt(step: number | undefined): void {
    this.sampleStep = step ?? Number.POSITIVE_INFINITY;
    // Now, not only in generate(): the latent explorer runs the generator's layers itself.
    this.applyProgress(this.sampleStep);
  }

  /**
   * Writes a model's weights (all of them, in model.weights' order; checked by
   * the caller) and makes their EMA copies equal to them, so that samples
   * show these weights whether EMA is on or not.
   */
  setModelWeights(name: string, values: readonly { shape: number[]; data: Float32Array | Int32Array }[]): void {
    const m = this.models.get(name);
    if (!m) throw new TrainingError(`Model '${name}' is missing.`);
    if (values.length !== m.weights.length)
      throw new TrainingError(`Model '${name}' has ${m.weights.length} weights; ${values.length} were given.`);
    m.weights.forEach((w, i) => {
      const v = values[i]!;
      const t = tf.tensor(v.data, v.shape, w.dtype);
      w.write(t);
      t.dispose();
      const e = this.ema.get(w.read() as tf.Variable);
      if (e) e.assign(w.read());
    });
  }

  dispose(): void {
    for (const m of this.models.values()) m.layers.forEach((l) => l.dispose());
    for (const o of this.optimizers) o.optimizer.dispose();
    for (const e of this.ema.values()) e.dispose();
  }
}
