/**
 * Auto that measures (issue 14): candidates are timed by a training step and the fastest kept, software
 * WebGPU and the pure-JS CPU backend are set aside while something better starts, the choice is cached per
 * project shape and device, and the reason says what was measured.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { backendCacheKey, describeChoice, selectBackend } from '../../src/core/train/backend.js';

afterAll(async () => {
  if (tf.findBackendFactory('webgl')) tf.removeBackend('webgl');
  await selectBackend('wasm');
});

describe('auto backend choice', () => {
  it('in Node (wasm and cpu), takes wasm without timing: cpu is never measured beside it', async () => {
    let trials = 0;
    const choice = await selectBackend('auto', { trial: async () => ({ ms: ++trials }) });
    expect(choice.name).toBe('wasm');
    expect(trials).toBe(0);
    expect(choice.reason).toBe(
      'webgpu: not available here, webgl: not available here, cpu: not measured (slower than wasm); using wasm',
    );
  });

  it('times every candidate with a training step and keeps the fastest, caching the choice', async () => {
    // A stand-in 'webgl' (a CPU backend under that name): the trial, not its kernels, is what is measured.
    tf.registerBackend('webgl', () => new MathBackendCPU(), 1);
    const timed: string[] = [];
    const trial = async () => {
      timed.push(tf.getBackend());
      return { ms: tf.getBackend() === 'webgl' ? 334 : 46 };
    };
    const store = new Map<string, string>();
    const cache = { get: (k: string) => store.get(k), set: (k: string, v: string) => void store.set(k, v) };
    const key = backendCacheKey({ models: { G: { nodes: [] } } }, 16, 'test device');
    const choice = await selectBackend('auto', { trial, cacheKey: key, cache });
    expect(timed).toEqual(['wasm', 'webgl']); // wasm first: the yardstick
    expect(choice.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.reason).toBe(
      'webgpu: not available here, webgl 334 ms, wasm 46 ms, cpu: not measured (slower than wasm); ' +
        'using wasm, the fastest measured',
    );
    expect(store.size).toBe(1);
    // Measured once per project shape and device.
    const again = await selectBackend('auto', { trial, cacheKey: key, cache });
    expect(timed).toHaveLength(2);
    expect(again.cached).toBe(true);
    expect(again.reason).toContain('(measured earlier on this device)');
    // A backend that fails its training step is reported and passed over.
    const failing = await selectBackend('auto', {
      trial: async () => {
        if (tf.getBackend() === 'wasm') throw new Error('no kernel\nstack');
        return { ms: 500, firstStepOnly: true };
      },
      cacheKey: 'other',
    });
    expect(failing.name).toBe('webgl');
    expect(failing.reason).toContain('webgl > 500 ms, wasm: failed a training step: no kernel,');
  });

  it('on a machine with a GPU, times the hardware WebGPU adapter first; a far slower WASM stops after one step', async () => {
    // A stand-in 'webgpu' (a CPU backend under that name) behind a stand-in navigator.gpu with a hardware adapter;
    // the trial, not the kernels, is what is measured. The numbers are DCGAN 64x64's on an H200 (docs/benchmarks.md).
    const nav = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    Object.defineProperty(globalThis, 'navigator', {
      value: { gpu: { requestAdapter: async () => ({ info: { vendor: 'nvidia', architecture: 'hopper' } }) } },
      configurable: true,
    });
    tf.registerBackend('webgpu', () => new MathBackendCPU(), 1);
    if (tf.findBackendFactory('webgl')) tf.removeBackend('webgl'); // another test's stand-in
    try {
      const timed: string[] = [];
      const trial = async (budgetMs: number) => {
        timed.push(tf.getBackend());
        if (tf.getBackend() === 'webgpu') return { ms: 696 };
        // WASM's warm-up step alone is 23 s: Session's trial then stops (more than 10x the budget and over 5 s).
        return 23_123 > 10 * budgetMs && 23_123 > 5000 ? { ms: 23_123, firstStepOnly: true } : { ms: 23_123 };
      };
      const choice = await selectBackend('auto', { trial, cacheKey: 'gpu machine' });
      expect(timed).toEqual(['webgpu', 'wasm']);
      expect(choice.name).toBe('webgpu');
      expect(choice.attempts.find((a) => a.name === 'wasm')).toMatchObject({ ms: 23_123, firstStepOnly: true });
      expect(choice.reason).toBe(
        'webgpu 696 ms, webgl: not available here, wasm > 23.1 s, cpu: not measured (slower than wasm); ' +
          'using webgpu, the fastest measured',
      );
    } finally {
      tf.removeBackend('webgpu');
      if (nav) Object.defineProperty(globalThis, 'navigator', nav);
      else delete (globalThis as { navigator?: unknown }).navigator;
    }
  });

  it('names software WebGPU adapters and long times readably', () => {
    const reason = describeChoice(
      'wasm',
      [
        { name: 'webgpu', ok: false, software: true, why: 'not measured (a software adapter, google swiftshader)' },
        { name: 'webgl', ok: true, ms: 4512 },
        { name: 'wasm', ok: true, ms: 46.2 },
      ],
      'auto',
    );
    expect(reason).toBe(
      'webgpu (software): not measured (a software adapter, google swiftshader), webgl 4.5 s, wasm 46 ms; ' +
        'using wasm, the fastest measured',
    );
    expect(describeChoice('cpu', [], 'cpu')).toBe('forced cpu');
  });

  it('caches per project shape: canvas positions and labels do not count, a layer width does', () => {
    const node = (units: number, x: number) => ({ id: 'd', type: 'Dense', params: { units }, position: { x, y: 0 } });
    const p = (units: number, x: number, label: string) => ({
      name: label,
      models: { G: { nodes: [node(units, x)] } },
    });
    expect(backendCacheKey(p(8, 0, 'a'), 16, 'dev')).toBe(backendCacheKey(p(8, 120, 'b'), 16, 'dev'));
    expect(backendCacheKey(p(8, 0, 'a'), 16, 'dev')).not.toBe(backendCacheKey(p(16, 0, 'a'), 16, 'dev'));
    expect(backendCacheKey(p(8, 0, 'a'), 16, 'dev')).not.toBe(backendCacheKey(p(8, 0, 'a'), 64, 'dev'));
    expect(backendCacheKey(p(8, 0, 'a'), 16, 'dev')).not.toBe(backendCacheKey(p(8, 0, 'a'), 16, 'other'));
  });
});
