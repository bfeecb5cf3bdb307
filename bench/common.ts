/**
 * What the benchmarks share: the machine they ran on, merging into
 * bench/results.json by key, the vite server and Debian's Chromium.
 */

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from '@playwright/test';
import * as tf from '@tensorflow/tfjs-core';
import { createServer, type ViteDevServer } from 'vite';
import { ROOT } from '../src/cli/assets.js';

export const RESULTS = join(ROOT, 'bench/results.json');

export function machine(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    date: new Date().toISOString(),
    ...extra,
  };
}

export function readResults(): Record<string, unknown> {
  return existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown>) : {};
}

/** Replaces one section of bench/results.json, written whole (temp file + rename). */
export function writeSection(key: string, value: unknown): void {
  const all = readResults();
  all[key] = value;
  const tmp = `${RESULTS}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`);
  renameSync(tmp, RESULTS);
}

export async function startServer(port: number): Promise<ViteDevServer> {
  const server = await createServer({
    root: ROOT,
    logLevel: 'error',
    server: { port, strictPort: true, host: '127.0.0.1' },
  });
  await server.listen();
  return server;
}

/** Debian's Chromium, headless, kept off the network; with a (software, here) WebGPU adapter. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
      '--enable-unsafe-webgpu',
      ...extraArgs,
    ],
  });
}

/** Median ms of one 512x1024 by 1024x512 matmul on the current backend, over `runs` timed runs after a warm-up. */
export async function matmulMedianMs(runs: number): Promise<number> {
  const a = tf.randomNormal([512, 1024]);
  const b = tf.randomNormal([1024, 512]);
  await tf.matMul(a, b).data();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    await c.data();
    times.push(performance.now() - t0);
    c.dispose();
  }
  tf.dispose([a, b]);
  times.sort((x, y) => x - y);
  return times[Math.floor(runs / 2)] as number;
}

/**
 * Where a discriminator of two inputs (image, class) takes the class: the index of its int32 input, or -1 when it
 * takes the image alone (a projection D takes both; ACGAN's and DCGAN's only the image).
 */
export function classInputIndex(model: { inputs: { dtype: string }[] }): number {
  return model.inputs.length === 2 ? model.inputs.findIndex((i) => i.dtype === 'int32') : -1;
}
/** The arguments of such a call: the image alone, or image and class in the model's input order. */
export function withClass(at: number, x: tf.Tensor, y: tf.Tensor | undefined): tf.Tensor | tf.Tensor[] {
  if (at < 0 || y === undefined) return x;
  return at === 0 ? [y, x] : [x, y];
}
