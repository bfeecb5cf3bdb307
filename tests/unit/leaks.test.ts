/**
 * Leaks across long sessions (issue 15): train, sample, save, restore in a
 * loop through the Trainer API, on CPU and WASM. The tensors and bytes held
 * after 10 cycles equal those after 2, and disposing the trainer gives back
 * everything it took.
 */
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/core/train/backend.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/core/train/checkpoint.js';
import { Trainer } from '../../src/core/train/trainer.js';
import { validateProjectValue } from '../../src/core/validate.js';
import { toyProject } from './fixtures.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

function memory(): { tensors: number; bytes: number } {
  const m = tf.memory();
  return { tensors: m.numTensors, bytes: m.numBytes };
}

async function cycle(t: Trainer): Promise<void> {
  await t.trainStep();
  tf.dispose(t.generate(8));
  const state = await t.state();
  const bytes = await encodeCheckpoint(state, 'toy');
  tf.dispose(state.tensors.map((x) => x.tensor));
  const { header, tensors } = decodeCheckpoint(bytes);
  try {
    await t.restore({ step: header.step, tensors });
  } finally {
    tf.dispose(tensors.map((x) => x.tensor));
  }
}

async function trainer(ema: number): Promise<Trainer> {
  const p = toyProject();
  p.training!.settings = { emaDecay: ema };
  const a = validateProjectValue(p);
  expect(a.diagnostics).toEqual([]);
  return new Trainer(a, { seed: 1, batchSize: 8 });
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`Trainer on ${backend}`, () => {
    for (const ema of [0, 0.9]) {
      it(`holds as much after 10 train/sample/save/restore cycles as after 2 (EMA ${ema})`, async () => {
        expect((await selectBackend(backend)).name).toBe(backend);
        const t = await trainer(ema);
        for (let i = 0; i < 2; i++) await cycle(t);
        const at2 = memory();
        for (let i = 2; i < 10; i++) await cycle(t);
        expect(memory()).toEqual(at2);
        t.dispose();
      });
    }
    it('gives back every tensor on dispose (no EMA)', async () => {
      expect((await selectBackend(backend)).name).toBe(backend);
      const before = memory();
      const t = await trainer(0);
      for (let i = 0; i < 3; i++) await cycle(t);
      t.dispose();
      expect(memory()).toEqual(before);
    });
    // Was a leak: the constructor made each EMA variable of a clone it never freed (one tensor per generator weight).
    it('gives back every tensor on dispose (with EMA)', async () => {
      expect((await selectBackend(backend)).name).toBe(backend);
      const before = memory();
      const t = await trainer(0.9);
      for (let i = 0; i < 3; i++) await cycle(t);
      t.dispose();
      expect(memory()).toEqual(before);
    });
  });
}
