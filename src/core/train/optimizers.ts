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
