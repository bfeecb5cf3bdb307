/**
 * Taking sample pictures must not change training: StyleGAN-lite's noise
 * injection draws its own noise, which once came from a per-layer call
 * counter, so every sample picture shifted the training noise of all later
 * steps (and two runs differed by how often they drew samples).
 */
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/cli/assets.js';
import { selectBackend } from '../../src/core/train/backend.js';
import { Trainer } from '../../src/core/train/trainer.js';
import { validateProjectText } from '../../src/core/validate.js';

const ROOT = resolve(__dirname, '../..');
beforeAll(async () => {
  await selectBackend('wasm');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('sampling during training', () => {
  it('leaves the training run unchanged, and the same seed gives the same picture', async () => {
    const a = validateProjectText(readFileSync(join(ROOT, 'templates/stylegan-lite.json'), 'utf8'));
    const mnist = loadMnist();
    const plain = new Trainer(a, { batchSize: 2, assets: { mnist } });
    const sampled = new Trainer(a, { batchSize: 2, assets: { mnist } });
    for (let i = 0; i < 3; i++) {
      const s1 = sampled.generate(4);
      const s2 = sampled.generate(4);
      expect(Array.from(await s1.data())).toEqual(Array.from(await s2.data()));
      tf.dispose([s1, s2]);
      expect((await sampled.trainStep()).losses).toEqual((await plain.trainStep()).losses);
    }
    plain.dispose();
    sampled.dispose();
  }, 120_000);
});
