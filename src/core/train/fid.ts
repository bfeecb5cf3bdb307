/**
 * A Frechet distance for digits: the FID recipe of Heusel et al. (2017) with
 * the small MNIST classifier ganvas trains and ships (public/models/
 * mnist-classifier) in place of Inception. Shared by `ganvas train` and the
 * training panel, so both report the same figure. The shells load the
 * classifier (from disk or over HTTP) and hand it in.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { type MnistData, resizeDigit } from '../data/datasets.js';
import { frechetDistance, gaussianFit, inceptionScore, precisionRecall } from './metrics.js';

/** The classifier's layer whose activations are the features. */
export const FEATURE_LAYER = 'features';
/** Digits [REAL_FROM, REAL_TO) of the bundled set are the real reference (held out from the classifier's training). */
export const REAL_FROM = 9000;
export const REAL_TO = 10_000;

export type FidFn = (samples: tf.Tensor) => Promise<number>;

/** The model that outputs the classifier's features. */
export function featureExtractor(classifier: tfl.LayersModel): tfl.LayersModel {
  return tfl.model({
    inputs: classifier.inputs,
    outputs: classifier.getLayer(FEATURE_LAYER).output as tfl.SymbolicTensor,
  });
}

/** Digits [from, to) as a [n,28,28,1] tensor in [-1,1] (the generators' range). */
export function digitImages(m: MnistData, from: number, to: number): tf.Tensor4D {
  const n = to - from;
  const x = new Float32Array(n * 784);
  for (let i = 0; i < n * 784; i++) x[i] = ((m.images[from * 784 + i] as number) / 255) * 2 - 1;
  return tf.tensor4d(x, [n, 28, 28, 1]);
}

/**
 * Digits [from, to) as the MNIST dataset node gives them at `size` (its area resize; datasets.ts), brought back
 * to the classifier's 28x28 by toClassifier: the real reference of a model that generates size x size digits.
 */
export function digitImagesAt(m: MnistData, from: number, to: number, size: number): tf.Tensor4D {
  if (size === 28) return digitImages(m, from, to);
  const n = to - from;
  const px = size * size;
  const x = new Float32Array(n * px);
  for (let k = 0; k < n; k++) resizeDigit(m.images, (from + k) * 784, size, x, k * px);
  return tf.tidy(() => toClassifier(tf.sub(tf.mul(tf.tensor4d(x, [n, size, size, 1]), 2), 1)));
}

/**
 * Images [n,s,s,1] as the classifier reads them, 28x28: unchanged at 28, else resized bilinearly (half-pixel
 * centres). Generated and reference digits go through the same resize, so the figures compare like with like
 * (they are not comparable with 28x28 models' figures: the resize blurs both sides a little).
 */
export function toClassifier(x: tf.Tensor): tf.Tensor4D {
  const t = x as tf.Tensor4D;
  return t.shape[1] === 28 && t.shape[2] === 28 ? t : tf.image.resizeBilinear(t, [28, 28], false, true);
}

/** A function from generated digits ([n,28,28,1] in [-1,1]) to their Frechet distance from the real reference digits. */
export async function digitFid(features: tfl.LayersModel, mnist: MnistData): Promise<FidFn> {
  const real = digitImages(mnist, REAL_FROM, Math.min(REAL_TO, mnist.count));
  const rf = features.predict(real) as tf.Tensor;
  const realFit = gaussianFit((await rf.data()) as Float32Array, real.shape[0]);
  tf.dispose([real, rf]);
  return async (samples) => {
    const f = features.predict(samples) as tf.Tensor;
    const fit = gaussianFit((await f.data()) as Float32Array, samples.shape[0] as number);
    f.dispose();
    return frechetDistance(fit, realFit);
  };
}

/** The classifier-based figures of a set of generated digits (see digitQuality). */
export interface DigitQuality {
  /** Frechet distance of the features from the real reference's (lower is better). */
  fid: number;
  /** exp(E KL(p(y|x) || p(y))) of the classifier's predictions: 1 to 10 (higher is better). */
  inceptionScore: number;
  /** Kynkäänniemi et al. 2019, k = 3 on the features: share of samples on the real manifold. */
  precision: number;
  /** Share of the real reference on the samples' manifold. */
  recall: number;
}
export type DigitQualityFn = (samples: tf.Tensor) => Promise<DigitQuality>;

/** The k of the k-NN manifolds of precision and recall. */
export const PR_NEIGHBOURS = 3;

/**
 * A function from generated digits ([n,size,size,1] in [-1,1]; 28 unless the model makes 32x32 digits, say)
 * to their FID,
 * Inception score, precision and recall, all on the classifier (its features
 * and its class probabilities), against the real reference digits.
 */
export async function digitQuality(classifier: tfl.LayersModel, mnist: MnistData, size = 28): Promise<DigitQualityFn> {
  const both = tfl.model({
    inputs: classifier.inputs,
    outputs: [classifier.getLayer(FEATURE_LAYER).output as tfl.SymbolicTensor, classifier.outputs[0]!],
  });
  const real = digitImagesAt(mnist, REAL_FROM, Math.min(REAL_TO, mnist.count), size);
  const nReal = real.shape[0];
  const [rf, rp] = both.predict(real) as tf.Tensor[];
  const realFeatures = (await rf!.data()) as Float32Array;
  const realFit = gaussianFit(realFeatures, nReal);
  tf.dispose([real, rf!, rp!]);
  return async (samples) => {
    const n = samples.shape[0] as number;
    const x = toClassifier(samples);
    const [f, p] = both.predict(x) as tf.Tensor[];
    if (x !== samples) x.dispose();
    const features = (await f!.data()) as Float32Array;
    const probs = (await p!.data()) as Float32Array;
    tf.dispose([f!, p!]);
    const pr = precisionRecall(features, n, realFeatures, nReal, PR_NEIGHBOURS);
    return {
      fid: frechetDistance(gaussianFit(features, n), realFit),
      inceptionScore: inceptionScore(probs, n),
      precision: pr.precision,
      recall: pr.recall,
    };
  };
}
