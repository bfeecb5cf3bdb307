/**
 * The MNIST DCGAN of templates/dcgan-mnist.json written by hand, directly
 * with tf.layers and a plain non-saturating GAN loop (Adam 2e-4, beta1 0.5),
 * as a person would without ganvas: the baseline of ganvas' overhead.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { MnistData } from '../src/core/data/datasets.js';

function generator(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [64], units: 7 * 7 * 64, useBias: false }),
      tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }),
      tfl.layers.reLU(),
      tfl.layers.reshape({ targetShape: [7, 7, 64] }),
      tfl.layers.conv2dTranspose({ filters: 32, kernelSize: 4, strides: 2, padding: 'same', useBias: false }),
      tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }),
      tfl.layers.reLU(),
      tfl.layers.conv2dTranspose({ filters: 1, kernelSize: 4, strides: 2, padding: 'same' }),
      tfl.layers.activation({ activation: 'tanh' }),
    ],
  });
}

function discriminator(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 4, strides: 2, padding: 'same' }),
      tfl.layers.leakyReLU({ alpha: 0.2 }),
      tfl.layers.conv2d({ filters: 64, kernelSize: 4, strides: 2, padding: 'same', useBias: false }),
      tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }),
      tfl.layers.leakyReLU({ alpha: 0.2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 1 }),
    ],
  });
}

/** Returns one training step (D then G) of the hand-written DCGAN at `batch`. */
export function handwrittenDcgan(
  mnist: MnistData,
  batch: number,
): { step: () => Promise<{ d: number; g: number }>; dispose: () => void } {
  const G = generator();
  const D = discriminator();
  const optD = tf.train.adam(2e-4, 0.5, 0.999);
  const optG = tf.train.adam(2e-4, 0.5, 0.999);
  const images = tf.tidy(() =>
    tf.sub(tf.mul(tf.div(tf.tensor4d(mnist.images, [mnist.count, 28, 28, 1], 'float32'), 255), 2), 1),
  );
  const varsD = D.trainableWeights.map((w) => w.read() as tf.Variable);
  const varsG = G.trainableWeights.map((w) => w.read() as tf.Variable);
  const step = async () => {
    const [d, g] = tf.tidy(() => {
      const idx = tf.randomUniform([batch], 0, mnist.count, 'int32');
      const real = tf.gather(images, idx);
      const z = tf.randomNormal([batch, 64]);
      const fake = G.apply(z, { training: true }) as tf.Tensor;
      const dLoss = optD.minimize(
        () => {
          const r = D.apply(real, { training: true }) as tf.Tensor;
          const f = D.apply(fake, { training: true }) as tf.Tensor;
          return tf.add(tf.mean(tf.softplus(tf.neg(r))), tf.mean(tf.softplus(f))) as tf.Scalar;
        },
        true,
        varsD,
      ) as tf.Scalar;
      const z2 = tf.randomNormal([batch, 64]);
      const gLoss = optG.minimize(
        () =>
          tf.mean(
            tf.softplus(tf.neg(D.apply(G.apply(z2, { training: true }) as tf.Tensor, { training: true }) as tf.Tensor)),
          ) as tf.Scalar,
        true,
        varsG,
      ) as tf.Scalar;
      return [tf.keep(dLoss), tf.keep(gLoss)];
    });
    const out = { d: (await d.data())[0] as number, g: (await g.data())[0] as number };
    tf.dispose([d, g]);
    return out;
  };
  return {
    step,
    dispose: () => tf.dispose([images, ...G.weights.map((w) => w.read()), ...D.weights.map((w) => w.read())]),
  };
}
