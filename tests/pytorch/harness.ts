/**
 * The tfjs side of the PyTorch parity checks: builds a project's models with
 * ganvas' compiler, gives every constant-initialised weight random values
 * (so biases, norms' gamma/beta and moving statistics are checked too),
 * evaluates each model's forward pass and each player's loss terms and
 * gradient norm on a fixed batch, and writes the weights, inputs and draws
 * (penalties' and Augment nodes', recorded from the seeds the emitter uses)
 * as safetensors for tests/pytorch/parity.py, which does the same with the
 * exported train.py. Results are compared by the caller.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type * as tfl from '@tensorflow/tfjs-layers';
import { exportProjectPyTorch } from '../../src/cli/export.js';
import { compileModel } from '../../src/core/compile/model.js';
import {
  compileTrainingPlan,
  type EmitContext,
  type EmitInputs,
  emitNodes,
  type PlanNode,
  playerProgram,
  type TrainingEmitter,
} from '../../src/core/compile/plan.js';
import { makeRng, nextSeed, withSeededMathRandom } from '../../src/core/data/random.js';
import type { Player, TrainingOp } from '../../src/core/nodes/training.js';
import { augmentDraws } from '../../src/core/train/augment.js';
import { TfjsEmitter } from '../../src/core/train/emitter.js';
import { registerSecondOrderGradients } from '../../src/core/train/gradients.js';
import {
  type ProgressivePhase,
  type ProgressiveSchedule,
  progressivePhase,
  setFadeAlphas,
} from '../../src/core/train/progressive.js';
import { encodeSafetensors, type NamedArray } from '../../src/core/train/safetensors.js';
import { registerWasmTrainingKernels } from '../../src/core/train/wasm-kernels.js';
import { validateProjectText } from '../../src/core/validate.js';

export const PYTHON = process.env.GANVAS_PYTHON ?? '/usr/bin/python3';

export interface PlayerResult {
  terms: Record<string, number>;
  total: number;
  gradNorm: number;
  /** Per weight (for a diagnosis when the norms differ). */
  byName?: Record<string, number>;
}
export interface ParityResult {
  forward: Record<string, Record<string, number[][]>>;
  players: Record<Player, PlayerResult>;
  /** With a Progressive node: the phase both sides ran at (the script's apply_progress on the Python side). */
  phase?: ProgressivePhase;
}

/**
 * A step in the middle of a fade for progressive growing's schedule at this batch: the fade into the middle stage
 * (ceil(stages / 2)), 3/8 of the way through (so FadeIns there blend, those before are 1 and those after 0, and the
 * reals are blended with their half-resolution version). Returns the images shown, step x batch.
 */
export function midFadeImages(s: ProgressiveSchedule, batch: number): number {
  const stages = Math.round(Math.log2(s.final / s.start));
  const j = Math.max(1, Math.ceil(stages / 2));
  const target = s.stableImages + (j - 1) * (s.fadeImages + s.stableImages) + (3 * s.fadeImages) / 8;
  return Math.max(1, Math.round(target / batch)) * batch;
}

const arrays: NamedArray[] = [];
function put(name: string, t: tf.Tensor): void {
  arrays.push({
    name,
    shape: t.shape,
    data: t.dtype === 'int32' ? new Int32Array(t.dataSync()) : new Float32Array(t.dataSync()),
  });
}

/** Runs both sides for one project; `dir` receives train.py, the tensors and the config. */
export async function parity(
  text: string,
  batch: number,
  dir: string,
): Promise<{ tfjs: ParityResult; torch: ParityResult }> {
  arrays.length = 0;
  registerSecondOrderGradients();
  registerWasmTrainingKernels();
  await tf.setBackend(process.env.PARITY_BACKEND ?? 'wasm');
  const a = validateProjectText(text);
  if (a.status !== 'ok') throw new Error(`invalid project: ${a.diagnostics.map((d) => d.message).join('; ')}`);
  const plan = compileTrainingPlan(a);
  const models = withSeededMathRandom(
    'parity:init',
    () => new Map(plan.models.map((name) => [name, compileModel(a.models.get(name) as never)] as const)),
  );
  // Progressive growing: both sides at a step in the middle of a fade (FadeIn alphas and the reals' lod).
  const grow = plan.nodes.find((n) => n.op?.op === 'progressive');
  const schedule = grow?.op?.op === 'progressive' ? grow.op.schedule : undefined;
  const images = schedule ? midFadeImages(schedule, batch) : undefined;
  const phase = schedule && images !== undefined ? progressivePhase(schedule, images) : undefined;
  if (schedule && phase) setFadeAlphas(models.values(), schedule.final, phase.lod);
  const rng = makeRng('parity:values');
  // Constant-initialised weights get random values; NoiseInjection's strength stays 0 (its noise is random).
  for (const [name, m] of models)
    for (const w of m.weights) {
      const v = w.read();
      const [lo, hi] = [v.min().dataSync()[0], v.max().dataSync()[0]];
      const wn = w.originalName;
      if (lo === hi && !wn.endsWith('/strength')) {
        const positive = /(gamma|moving_variance)$/.test(wn);
        const r = tf.tidy(() =>
          positive
            ? tf.randomUniform(v.shape, 0.5, 1.5, 'float32', nextSeed(rng))
            : tf.randomNormal(v.shape, 0, 0.3, 'float32', nextSeed(rng)),
        );
        w.write(r);
      }
      put(`w/${name}/${wn}`, w.read());
    }

  const tfjs: ParityResult = { forward: {}, players: {} as Record<Player, PlayerResult>, ...(phase ? { phase } : {}) };
  // Train mode is random with a Dropout of rate > 0: those models are compared in eval mode only.
  const modes = (m: tfl.LayersModel) =>
    m.layers.some((l) => l.getClassName() === 'Dropout' && (l.getConfig().rate as number) > 0)
      ? ['eval']
      : ['eval', 'train'];
  const modesOf: Record<string, string[]> = {};
  for (const [name, m] of models) {
    const info = a.models.get(name);
    if (!info) continue;
    const args = info.inputs.map((inp, k) => {
      const t = inp.outputs?.[0] as { shape: (number | null)[]; dtype: string };
      const shape = [batch, ...t.shape.slice(1)] as number[];
      const x =
        t.dtype === 'int32'
          ? tf.randomUniform(shape, 0, Number(inp.params.numClasses ?? 10), 'int32', nextSeed(rng))
          : tf.randomNormal(shape, 0, 1, 'float32', nextSeed(rng));
      put(`in/${name}/${k}`, x);
      return x;
    });
    const res: Record<string, number[][]> = {};
    modesOf[name] = modes(m);
    for (const mode of modes(m)) {
      const y = m.apply(args.length === 1 ? (args[0] as tf.Tensor) : args, { training: mode === 'train' });
      res[mode] = (Array.isArray(y) ? y : [y]).map((t) => Array.from((t as tf.Tensor).dataSync()));
    }
    tfjs.forward[name] = res;
  }

  // One update of each player on fixed sources and penalty draws, without stepping.
  const sources = new Map<string, tf.Tensor[]>();
  for (const n of plan.nodes) {
    const info = a.training?.nodes.get(n.id);
    if (!n.op || !['dataset', 'noise', 'labels'].includes(n.op.op) || !info?.outputs) continue;
    const ts = info.outputs.map((t, k) => {
      const shape = [batch, ...t.shape.slice(1)] as number[];
      const port = n.outputPorts[k] as string;
      const x =
        t.dtype === 'int32'
          ? tf.randomUniform(shape, 0, n.op?.op === 'labels' ? n.op.numClasses : 10, 'int32', nextSeed(rng))
          : n.op?.op === 'dataset'
            ? tf.clipByValue(tf.randomNormal(shape, 0, 0.5, 'float32', nextSeed(rng)), -1, 1)
            : tf.randomNormal(shape, 0, 1, 'float32', nextSeed(rng));
      put(`src/${n.id}/${port}`, x);
      return x;
    });
    sources.set(n.id, ts);
  }
  for (const player of ['D', 'G'] as const) {
    const program = playerProgram(plan, player);
    const seedRng = makeRng(`parity:${player}`);
    const inner = new TfjsEmitter(models, new Map(), batch, seedRng, undefined, undefined, undefined, phase?.lod);
    let draws = 0;
    let rands = 0;
    const fixed: TrainingEmitter<tf.Tensor> = {
      emit(n: PlanNode & { op: TrainingOp }, inputs: EmitInputs<tf.Tensor>, ctx: EmitContext) {
        const s = sources.get(n.id);
        if (s) return s;
        if (n.op.op === 'penalty') {
          // The draws gradientPenalty makes from its seed (train/losses.ts), for the Python side.
          const peek = makeRng(`parity:${player}`);
          for (let k = 0; k < draws; k++) nextSeed(peek);
          const seed = nextSeed(peek);
          draws++;
          const x = inputs.has('real') ? inputs.get('real') : inputs.get('fake');
          const perSample = [batch, ...new Array(x.rank - 1).fill(1)];
          if (n.op.kind === 'wgan-gp')
            put(`rand/${player}/${rands++}`, tf.randomUniform(perSample, 0, 1, 'float32', seed));
          if (n.op.kind === 'dragan') {
            put(`rand/${player}/${rands++}`, tf.randomUniform(x.shape, 0, 1, 'float32', seed));
            put(`rand/${player}/${rands++}`, tf.randomUniform(perSample, 0, 1, 'float32', seed + 1));
          }
        }
        if (n.op.op === 'augment') {
          // The draws augment() makes from its seed (train/augment.ts), in order, for the Python side's src.rand.
          const peek = makeRng(`parity:${player}`);
          for (let k = 0; k < draws; k++) nextSeed(peek);
          const seed = nextSeed(peek);
          draws++;
          const x = inputs.get('in');
          for (const d of augmentDraws(x.shape[0] as number, n.op.policies, n.op.p < 1 || n.op.ada !== undefined, seed))
            put(`rand/${player}/${rands++}`, d);
        }
        return inner.emit(n, inputs, ctx);
      },
    };
    const vars = plan.players[player].models.flatMap((m) =>
      (models.get(m) as tfl.LayersModel).trainableWeights.map((w) => w.read() as tf.Variable),
    );
    const terms: Record<string, number> = {};
    const { value, grads } = tf.variableGrads(() => {
      const values = new Map<string, tf.Tensor[]>();
      const ctx = { player, training: true };
      emitNodes(plan, program.outside, fixed, values, ctx);
      emitNodes(plan, program.inside, fixed, values, ctx);
      let total = tf.scalar(0);
      for (const t of program.terms) {
        const v = (values.get(t.id) as tf.Tensor[])[0] as tf.Scalar;
        terms[`${player}/${t.id}`] = v.dataSync()[0] as number;
        total = tf.add(total, v);
      }
      return total;
    }, vars);
    const sq = Object.values(grads).reduce((acc, g) => acc + (tf.sum(tf.square(g)).dataSync()[0] as number), 0);
    const byName: Record<string, number> = {};
    for (const [k, g] of Object.entries(grads)) byName[k] = Math.sqrt(tf.sum(tf.square(g)).dataSync()[0] as number);
    tfjs.players[player] = { terms, total: value.dataSync()[0] as number, gradNorm: Math.sqrt(sq), byName };
  }

  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'train.py'), exportProjectPyTorch(a));
  writeFileSync(join(dir, 'tensors.safetensors'), encodeSafetensors(arrays));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ batch, modes: modesOf, images: images ?? null }));
  const r = spawnSync(
    PYTHON,
    [
      join(import.meta.dirname, 'parity.py'),
      join(dir, 'train.py'),
      join(dir, 'tensors.safetensors'),
      join(dir, 'config.json'),
    ],
    {
      encoding: 'utf8',
      maxBuffer: 256 * 2 ** 20,
    },
  );
  if (r.status !== 0) throw new Error(`parity.py failed (${r.status}): ${r.stderr}`);
  const torch = JSON.parse(r.stdout) as ParityResult;
  for (const m of models.values()) m.dispose();
  return { tfjs, torch };
}

/** Largest |a-b| relative to the larger magnitude of the two arrays (their scale), with a floor for all-zero arrays. */
export function relativeError(a: number[], b: number[]): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 1e-6;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(a[i] as number), Math.abs(b[i] as number));
  }
  return diff / scale;
}
