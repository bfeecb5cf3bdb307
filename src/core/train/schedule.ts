/**
 * Learning-rate schedules: a small data type and one pure function of the
 * training step, read by every target (the tfjs trainer, the TypeScript
 * export, a PyTorch export through torch.optim.lr_scheduler.LambdaLR).
 *
 * lr(step) = baseLr * warmup(step) * decay(step), where `step` is the number
 * of training steps done before this one (0 for the first update; a resumed
 * run continues at its checkpoint's step, so at the same rate). With
 * dStepsPerGStep > 1, D's updates of one step share one rate.
 *
 * - warmup(step) = min(1, (step + 1) / warmupSteps), or 1 when warmupSteps = 0
 *   (linear warm-up, Goyal et al. 2017);
 * - decay, with t = clamp((step - decayStart) / decaySteps, 0, 1):
 *   - constant: 1;
 *   - linear: 1 - (1 - minFactor) t: constant for decayStart steps, then
 *     linear to minFactor (0 by default) over decaySteps: pix2pix's and
 *     CycleGAN's schedule (Isola et al. 2017; Zhu et al. 2017: 100 epochs at
 *     the base rate, then 100 to zero);
 *   - cosine: minFactor + (1 - minFactor) (1 + cos(pi t)) / 2: cosine
 *     annealing to the floor minFactor * baseLr (Loshchilov & Hutter 2017,
 *     torch's CosineAnnealingLR with eta_min = minFactor * baseLr), then held.
 *
 * learningRateAt is pure; setLearningRate applies a rate to a tfjs optimizer.
 * The module is embedded as it is in exported scripts that use a schedule.
 */
import type * as tf from '@tensorflow/tfjs-core';

/** How one optimizer's learning rate changes with the step. */
export interface LrSchedule {
  kind: 'constant' | 'linear' | 'cosine';
  /** Steps of linear warm-up from baseLr / warmupSteps to baseLr (0: none). */
  warmupSteps: number;
  /** Steps at the full rate before the decay begins. */
  decayStart: number;
  /** Steps over which the rate decays to minFactor * baseLr (linear and cosine). */
  decaySteps: number;
  /** The rate at the end of the decay, as a fraction of baseLr. */
  minFactor: number;
}

/** The schedule that leaves the rate as it is. */
export const CONSTANT_SCHEDULE: LrSchedule = {
  kind: 'constant',
  warmupSteps: 0,
  decayStart: 0,
  decaySteps: 1,
  minFactor: 0,
};

/** Whether the schedule ever changes the rate. */
export function isConstantSchedule(s: LrSchedule): boolean {
  return s.kind === 'constant' && s.warmupSteps === 0;
}

/** The learning rate of the update at `step` (steps done before it, from 0). */
export function learningRateAt(schedule: LrSchedule, baseLr: number, step: number): number {
  const s = schedule;
  const warmup = s.warmupSteps > 0 ? Math.min(1, (step + 1) / s.warmupSteps) : 1;
  let decay = 1;
  if (s.kind !== 'constant') {
    const t = Math.min(1, Math.max(0, (step - s.decayStart) / Math.max(1, s.decaySteps)));
    decay =
      s.kind === 'linear'
        ? 1 - (1 - s.minFactor) * t
        : s.minFactor + ((1 - s.minFactor) * (1 + Math.cos(Math.PI * t))) / 2;
  }
  return baseLr * warmup * decay;
}

/** An Optimizer node's schedule, from its params (nodes/training.ts; missing ones take the defaults). */
export function scheduleOf(params: Record<string, unknown>): LrSchedule {
  const kind = params.schedule;
  const num = (k: string, d: number) => (typeof params[k] === 'number' ? (params[k] as number) : d);
  return {
    kind: kind === 'linear' || kind === 'cosine' ? kind : 'constant',
    warmupSteps: num('warmupSteps', 0),
    decayStart: num('decayStart', 0),
    decaySteps: num('decaySteps', 1000),
    minFactor: num('minLrFactor', 0),
  };
}

/** The Optimizer params that make its schedule (the rest configure the algorithm). */
export const SCHEDULE_PARAMS: readonly string[] = [
  'schedule',
  'warmupSteps',
  'decayStart',
  'decaySteps',
  'minLrFactor',
];

/**
 * Sets a tfjs optimizer's learning rate for its next updates. SGD and momentum
 * keep the rate as a scalar tensor (setLearningRate); Adam and RMSProp read
 * their `learningRate` field at every update.
 */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  // Not `instanceof tf.SGDOptimizer`: tfjs' optimizer classes answer instanceof for any optimizer.
  const o = optimizer as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (o.learningRate === lr) return;
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  // Protected in tfjs' typings: a plain field Adam and RMSProp read at every applyGradients.
  else o.learningRate = lr;
}
