/** The Optimizer node's algorithms as tfjs optimizers (also printed into exported scripts). */
import * as tf from '@tensorflow/tfjs-core';

export function makeOptimizer(p: Record<string, unknown>): tf.Optimizer {
  const lr = p.learningRate as number;
  switch (p.algorithm) {
    case 'adam':
      return new GroupedAdamOptimizer(lr, p.beta1 as number, p.beta2 as number, p.epsilon as number);
    case 'rmsprop':
      return tf.train.rmsprop(lr, 0.9, p.momentum as number, p.epsilon as number);
    default:
      return (p.momentum as number) > 0 ? tf.train.momentum(lr, p.momentum as number) : tf.train.sgd(lr);
  }
}

/**
 * After tfjs' Adam.setWeights (a checkpoint restored): its running powers beta1^t and beta2^t as an
 * uninterrupted run has them. setWeights computes them with pow(), while each step multiplies them by beta
 * in float32; the two differ in the last bit for some betas (0.99: StyleGAN's, ProGAN's), and so did every
 * later step of a resumed run. Redone here as the steps do, product by product in float32.
 */
export function exactAdamPowers(opt: tf.Optimizer): void {
  if (!(opt instanceof tf.AdamOptimizer)) return;
  // The powers and betas are private fields of tfjs' AdamOptimizer.
  const adam = opt as unknown as {
    beta1: number;
    beta2: number;
    accBeta1: tf.Variable;
    accBeta2: tf.Variable;
    iterations: number;
  };
  const power = (beta: number) => {
    const b = Math.fround(beta);
    let acc = b;
    for (let i = 0; i < adam.iterations; i++) acc = Math.fround(acc * b);
    return acc;
  };
  tf.tidy(() => {
    adam.accBeta1.assign(tf.scalar(power(adam.beta1)));
    adam.accBeta2.assign(tf.scalar(power(adam.beta2)));
  });
}

/** Variables of at most this many values are updated together (see groupedUpdate). */
export const GROUP_MAX_SIZE = 1 << 16;

/**
 * One element-wise update of many tensors, the small ones done as one: each argument list is flattened and
 * concatenated, `f` runs once on the concatenations, and each of its results is split back and assigned to
 * `targets[j][k]`. tfjs' fixed cost per kernel (a few microseconds in WASM, a dispatch with its bind groups and
 * uniforms on WebGPU) is then paid once per update instead of once per variable: Adam is about 12 kernels per
 * variable, and the ring's small MLPs were half of a step's GPU dispatches. The concatenation and the split are
 * exact copies, and the element-wise kernels compute each element as they would alone, so the results are the
 * same to the bit on the CPU and WASM backends (tests/unit/grouped-update.test.ts). Tensors of more than
 * GROUP_MAX_SIZE values (sized by the first argument) are updated alone: their copies would cost more than the
 * kernels they save.
 */
export function groupedUpdate(
  args: tf.Tensor[][],
  f: (flat: tf.Tensor[]) => tf.Tensor[],
  targets: tf.Variable[][],
): void {
  const alone = (k: number) => {
    const out = f(args.map((a) => a[k] as tf.Tensor));
    targets.forEach((t, j) => (t[k] as tf.Variable).assign(out[j] as tf.Tensor));
  };
  const small: number[] = [];
  (args[0] ?? []).forEach((t, k) => (t.size > GROUP_MAX_SIZE ? alone(k) : small.push(k)));
  if (small.length === 1) alone(small[0] as number);
  if (small.length < 2) return;
  const sizes = small.map((k) => (args[0]?.[k] as tf.Tensor).size);
  const out = f(args.map((list) => tf.concat(small.map((k) => tf.reshape(list[k] as tf.Tensor, [-1])))));
  targets.forEach((list, j) => {
    const parts = tf.split(out[j] as tf.Tensor, sizes);
    small.forEach((k, i) => {
      const v = list[k] as tf.Variable;
      v.assign(tf.reshape(parts[i] as tf.Tensor, v.shape));
    });
  });
}

/** tfjs' AdamOptimizer's private state, which GroupedAdamOptimizer updates as tfjs does. */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
}

/**
 * tfjs' Adam (tf.train.adam: the same slots, names, weights and formula, step for step), with its variables
 * updated by one groupedUpdate instead of one by one. A checkpoint of either
 * restores into the other.
 */
export class GroupedAdamOptimizer extends tf.AdamOptimizer {
  /**
   * The formula's numbers as kept scalars (the same float32 values a number operand becomes): on WebGPU each
   * number of an op is otherwise a new tensor uploaded through a staging buffer of its own, 8 per update, every
   * step. The learning rate changes with a schedule: only its latest value is kept.
   */
  private readonly constants = new Map<number, tf.Scalar>();
  private rate: [number, tf.Scalar] | undefined;

  private constant(x: number): tf.Scalar {
    let t = this.constants.get(x);
    if (!t) {
      t = tf.keep(tf.scalar(x));
      this.constants.set(x, t);
    }
    return t;
  }

  private negativeRate(lr: number): tf.Scalar {
    if (this.rate?.[0] !== lr) {
      this.rate?.[1].dispose();
      this.rate = [lr, tf.keep(tf.scalar(-lr))];
    }
    return this.rate[1];
  }

  override dispose(): void {
    super.dispose();
    for (const t of this.constants.values()) t.dispose();
    this.constants.clear();
    this.rate?.[1].dispose();
    this.rate = undefined;
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void {
    const self = this as unknown as AdamState;
    const names = Array.isArray(variableGradients)
      ? variableGradients.map((v) => v.name)
      : Object.keys(variableGradients);
    tf.tidy(() => {
      const c = (x: number) => this.constant(x);
      const [beta1, beta2] = [c(self.beta1), c(self.beta2)];
      const oneMinusAccBeta1 = tf.sub(c(1), self.accBeta1);
      const oneMinusAccBeta2 = tf.sub(c(1), self.accBeta2);
      const negativeRate = this.negativeRate(self.learningRate);
      // tfjs' formula, with its operations in its order (adam_optimizer.ts).
      const step = ([value, gradient, m, v]: tf.Tensor[]): tf.Tensor[] => {
        const newM = tf.add(tf.mul(m as tf.Tensor, beta1), tf.mul(gradient as tf.Tensor, c(1 - self.beta1)));
        const newV = tf.add(tf.mul(v as tf.Tensor, beta2), tf.mul(tf.square(gradient as tf.Tensor), c(1 - self.beta2)));
        const correctedM = tf.div(newM, oneMinusAccBeta1);
        const correctedV = tf.div(newV, oneMinusAccBeta2);
        const update = tf.mul(tf.div(correctedM, tf.add(tf.sqrt(correctedV), c(self.epsilon))), negativeRate);
        return [newM, newV, tf.add(update, value as tf.Tensor)];
      };
      const group: tf.Tensor[][] = [[], [], [], []];
      const targets: tf.Variable[][] = [[], [], []];
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name] as tf.Variable;
        self.accumulatedFirstMoment[i] ??= {
          originalName: `${name}/m`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        self.accumulatedSecondMoment[i] ??= {
          originalName: `${name}/v`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        const gradient = Array.isArray(variableGradients)
          ? variableGradients[i]?.tensor
          : (variableGradients[name] as tf.Tensor | undefined);
        if (gradient == null) return;
        const m = self.accumulatedFirstMoment[i].variable;
        const v = self.accumulatedSecondMoment[i].variable;
        [value, gradient, m, v].forEach((a, j) => group[j]?.push(a));
        [m, v, value].forEach((t, j) => targets[j]?.push(t));
      });
      groupedUpdate(group, step, targets);
      self.accBeta1.assign(tf.mul(self.accBeta1, beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, beta2));
    });
    this.incrementIterations();
  }
}
