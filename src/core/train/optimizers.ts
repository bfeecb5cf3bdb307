/** The Optimizer node's algorithms as tfjs optimizers (also printed into exported scripts). */
import * as tf from '@tensorflow/tfjs-core';

export function makeOptimizer(p: Record<string, unknown>): tf.Optimizer {
  const lr = p.learningRate as number;
  switch (p.algorithm) {
    case 'adam':
      return tf.train.adam(lr, p.beta1 as number, p.beta2 as number, p.epsilon as number);
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
