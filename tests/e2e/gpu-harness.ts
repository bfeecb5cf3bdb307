/**
 * Loaded by the browser tests through Vite: trains the same steps on WebGPU
 * (if Chromium offers an adapter) and on the CPU backend, and returns both
 * runs' numbers for comparison.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/core/train/backend';
import { Trainer } from '../../src/core/train/trainer';
import { validateProjectText } from '../../src/core/validate';
import ringTemplate from '../../templates/toy-ring.json?raw';
import { convGanProject, syntheticFolder } from '../fixtures/conv-gan';

export interface GpuReport {
  webgpu: boolean;
  /** addN of 1..n for n = 2, 7, 8, 12 on WebGPU (the kernel ganvas patches). */
  addN?: number[];
  reason: string;
  adapter?: string;
  runs: Record<string, { backend: string; losses: Record<string, number>[] }>;
}

function convProject(): string {
  return JSON.stringify(
    convGanProject(
      [
        { id: 'z', type: 'Noise', params: { dim: 8 } },
        { id: 'fc', type: 'Dense', params: { units: 128 } },
        { id: 'rs', type: 'Reshape', params: { shape: [4, 4, 8] } },
        { id: 'bn', type: 'BatchNorm' },
        { id: 'r', type: 'ReLU' },
        { id: 'up', type: 'ConvTranspose2D', params: { filters: 4, kernelSize: 4, strides: 2 } },
        { id: 'up2', type: 'Upsample' },
        { id: 'conv', type: 'Conv2D', params: { filters: 1, kernelSize: 3, strides: 1 } },
        { id: 't', type: 'Tanh' },
        { id: 'img', type: 'Output' },
      ],
      [
        { id: 'x', type: 'Input', params: { shape: [16, 16, 1] } },
        { id: 'c1', type: 'Conv2D', params: { filters: 4, kernelSize: 4, strides: 2 } },
        { id: 'a1', type: 'LeakyReLU' },
        { id: 'c2', type: 'Conv2D', params: { filters: 8, kernelSize: 4, strides: 2 } },
        { id: 'a2', type: 'LeakyReLU' },
        { id: 'f', type: 'Flatten' },
        { id: 'o', type: 'Dense', params: { units: 1 } },
        { id: 'logit', type: 'Output' },
      ],
      8,
    ),
  );
}

async function train(text: string, steps: number): Promise<Record<string, number>[]> {
  const a = validateProjectText(text);
  if (a.status !== 'ok') throw new Error(a.diagnostics.map((d) => d.message).join('; '));
  const t = new Trainer(a, { seed: 11, assets: { folder: syntheticFolder() } });
  const out: Record<string, number>[] = [];
  for (let i = 0; i < steps; i++) out.push((await t.trainStep()).losses);
  t.dispose();
  return out;
}

export async function compareBackends(): Promise<GpuReport> {
  const report: GpuReport = { webgpu: false, reason: '', runs: {} };
  const gpu = (
    navigator as Navigator & {
      gpu?: {
        requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string; description?: string } } | null>;
      };
    }
  ).gpu;
  const adapter = gpu ? await gpu.requestAdapter() : null;
  if (adapter?.info)
    report.adapter = [adapter.info.vendor, adapter.info.architecture, adapter.info.description]
      .filter(Boolean)
      .join(' ');
  try {
    await selectBackend('webgpu');
    report.addN = [];
    for (const n of [2, 7, 8, 12])
      report.addN.push((await tf.addN(Array.from({ length: n }, (_, i) => tf.scalar(i + 1))).data())[0] as number);
  } catch {
    // reported below through report.reason
  }
  for (const [name, text, steps] of [
    ['ring', ringTemplate, 3],
    ['conv', convProject(), 2],
  ] as const) {
    for (const backend of ['webgpu', 'cpu'] as const) {
      try {
        const choice = await selectBackend(backend);
        if (backend === 'webgpu') {
          report.webgpu = true;
          report.reason = choice.reason;
        }
        report.runs[`${name}/${backend}`] = { backend: tf.getBackend(), losses: await train(text, steps) };
      } catch (e) {
        if (backend === 'webgpu') report.reason = (e as Error).message;
        else throw e;
      }
    }
  }
  return report;
}
