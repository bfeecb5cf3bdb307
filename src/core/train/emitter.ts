/**
 * The tfjs target of the training graph: evaluates each node's op on the
 * active backend (compile/plan.ts walks the graph; this only computes).
 * Loss nodes give their value for the player whose update is walked.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { EmitContext, EmitInputs, PlanNode, TrainingEmitter } from '../compile/plan.js';
import type { Sampler } from '../data/datasets.js';
import { nextSeed, type Rng } from '../data/random.js';
import type { AdversarialKind, TrainingOp } from '../nodes/training.js';
import { augment } from './augment.js';
import { adversarialLoss, auxClassifierLoss, generatorLoss, gradientPenalty, reconstructionLoss } from './losses.js';
import { progressiveReals } from './progressive.js';

export class TfjsEmitter implements TrainingEmitter<tf.Tensor> {
  constructor(
    private readonly models: ReadonlyMap<string, tfl.LayersModel>,
    private readonly samplers: ReadonlyMap<string, Sampler>,
    private readonly batch: number,
    private readonly rng: Rng,
    /** Replaces every adversarial loss' kind (`ganvas compare`). */
    private readonly overrideLoss?: AdversarialKind,
    /** Where D's update records D(real), D(fake) and the Wasserstein estimate. */
    private readonly record?: Map<string, tf.Scalar>,
    /** ADA's current p, for Augment nodes with ada on (their own p is where it starts). */
    private readonly adaP?: number,
    /** Progressive growing's level of detail this step (train/progressive.ts), for the Progressive node. */
    private readonly lod = 0,
  ) {}

  emit(n: PlanNode & { op: TrainingOp }, inputs: EmitInputs<tf.Tensor>, ctx: EmitContext): tf.Tensor[] {
    const op = n.op;
    const batch = this.batch;
    switch (op.op) {
      case 'dataset': {
        const out = (this.samplers.get(n.id) as Sampler).next(batch, this.rng);
        return n.outputPorts.map((port) => out[port] as tf.Tensor);
      }
      case 'noise':
        return [
          op.distribution === 'uniform'
            ? tf.randomUniform([batch, op.dim], -1, 1, 'float32', nextSeed(this.rng))
            : tf.randomNormal([batch, op.dim], 0, 1, 'float32', nextSeed(this.rng)),
        ];
      case 'labels':
        return [tf.randomUniform([batch, 1], 0, op.numClasses, 'int32', nextSeed(this.rng))];
      case 'call': {
        const model = this.models.get(op.model) as tfl.LayersModel;
        const args = n.inputs.map((i) => inputs.get(i.port));
        const out = model.apply(args.length === 1 ? (args[0] as tf.Tensor) : args, { training: ctx.training });
        return Array.isArray(out) ? (out as tf.Tensor[]) : [out as tf.Tensor];
      }
      case 'adversarial': {
        const fake = inputs.get('fake');
        const kind = this.overrideLoss ?? op.kind;
        // G's term reads D's logits on fake samples only (its update does not evaluate D on real data).
        if (ctx.player !== 'D') return [tf.mul(generatorLoss(kind, fake), op.weight) as tf.Scalar];
        const real = inputs.get('real');
        const v = tf.mul(adversarialLoss(kind, real, fake, op.labelSmoothing, op.drift).d, op.weight) as tf.Scalar;
        if (this.record) {
          const mr = tf.mean(real) as tf.Scalar;
          const mf = tf.mean(fake) as tf.Scalar;
          this.record.set('D(real)', mr);
          this.record.set('D(fake)', mf);
          if (kind === 'wgan') this.record.set('W', tf.sub(mr, mf) as tf.Scalar);
          // ADA's overfitting heuristic reads E[sign(D(real))] (see Trainer.trainStep).
          if (this.adaP !== undefined) this.record.set('E[sign D(real)]', tf.mean(tf.sign(real)) as tf.Scalar);
        }
        return [v];
      }
      case 'penalty': {
        const model = this.models.get(op.critic) as tfl.LayersModel;
        const training = ctx.training;
        const args = n.criticArgs;
        // A critic with more inputs (a label) takes them from its call on the same samples (see compileTrainingPlan).
        // A critic with several outputs is penalized on the one an adversarial loss reads (see compileTrainingPlan).
        const pick = (y: tf.Tensor | tf.Tensor[]): tf.Tensor =>
          Array.isArray(y) ? (y[n.criticOutput ?? 0] as tf.Tensor) : y;
        const critic = args
          ? (x: tf.Tensor) =>
              pick(
                model.apply(
                  args.map((a) => (a === null ? x : inputs.of(a))),
                  { training },
                ) as tf.Tensor | tf.Tensor[],
              )
          : (x: tf.Tensor) => pick(model.apply(x, { training }) as tf.Tensor | tf.Tensor[]);
        return [
          gradientPenalty(op.kind, op.weight, critic, {
            ...(inputs.has('real') ? { real: inputs.get('real') } : {}),
            ...(inputs.has('fake') ? { fake: inputs.get('fake') } : {}),
            seed: nextSeed(this.rng),
          }),
        ];
      }
      case 'reconstruction':
        return [reconstructionLoss(op.norm, op.weight, inputs.get('input'), inputs.get('target'))];
      case 'auxClassifier':
        return [auxClassifierLoss(op.weight, inputs.get('logits'), inputs.get('labels'))];
      case 'augment':
        return [
          op.ada
            ? augment(inputs.get('in'), op.policies, this.adaP ?? op.p, nextSeed(this.rng), true)
            : augment(inputs.get('in'), op.policies, op.p, nextSeed(this.rng)),
        ];
      case 'progressive':
        return [progressiveReals(inputs.get('in') as tf.Tensor4D, this.lod)];
    }
  }
}
