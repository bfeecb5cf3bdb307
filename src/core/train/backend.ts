/**
 * Backend choice, forced or automatic, with the reason shown. The shells
 * import the backend packages they can offer (the browser all four, Node
 * wasm and cpu); this module only picks.
 *
 * Auto:
 * - drops what is not there (no package, no WebGPU adapter) without letting
 *   tfjs try, so a missing backend logs nothing;
 * - never picks a software WebGPU adapter (SwiftShader: ~100x slower than
 *   WASM for training) while another backend starts, and never the pure-JS
 *   CPU backend while WASM starts (it is slower on every template);
 * - with a `trial` (one real training step of the open project), times each
 *   remaining candidate and keeps the fastest, cached per project shape and
 *   device (`cacheKey`); without one, takes the first in the order
 *   webgpu, webgl, wasm, cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerSecondOrderGradients } from './gradients.js';
import { registerWasmTrainingKernels } from './wasm-kernels.js';
import { patchWebGpuKernels } from './webgpu-kernels.js';

export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendPreference = 'auto' | BackendName;

export interface BackendAttempt {
  name: BackendName;
  ok: boolean;
  why?: string;
  /** A WebGPU adapter that is a software fallback (SwiftShader, lavapipe). */
  software?: boolean;
  /** ms of one timed training step, when auto measured this backend. */
  ms?: number;
  /** The measurement is the first (warm-up) step alone: it was already far slower than the best. */
  firstStepOnly?: boolean;
}

export interface BackendChoice {
  name: BackendName;
  /**
   * One sentence: why this backend ("wasm 46 ms, webgl 334 ms, webgpu (software): not measured, WASM is
   * there; using wasm", or "webgpu: no adapter; webgl: not available here; using wasm").
   */
  reason: string;
  attempts: BackendAttempt[];
  /** Whether the choice came from the cache of earlier measurements. */
  cached?: boolean;
}

export class BackendError extends Error {}

export interface SelectOptions {
  /**
   * Runs training steps of the open project on the current backend and returns the ms of one, after warm-up
   * (it may return early, with the warm-up's time, when that is already far slower than `budgetMs`).
   */
  trial?: (budgetMs: number) => Promise<{ ms: number; firstStepOnly?: boolean }>;
  /** What the measurement depends on (project shape, batch, device); the choice is cached under it. */
  cacheKey?: string;
  /** A longer-lived cache than this module's (the page passes localStorage). */
  cache?: { get(key: string): string | undefined; set(key: string, value: string): void };
}

/** The WebGPU adapter as tfjs would get it, and whether it is a software fallback. */
export interface GpuAdapterLike {
  isFallbackAdapter?: boolean;
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  features?: unknown;
}
interface GpuLike {
  requestAdapter(opts?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}

export interface AdapterProbe {
  present: boolean;
  software: boolean;
  /** "SwiftShader (google, swiftshader)", for the reason. */
  label: string;
}

/** Looks for a WebGPU adapter through navigator.gpu, where the platform has one (browsers, workers, Dawn in Node). */
export async function probeWebGpuAdapter(): Promise<AdapterProbe> {
  const gpu = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
  if (!gpu) return { present: false, software: false, label: 'no navigator.gpu' };
  let adapter: GpuAdapterLike | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch {
    adapter = null;
  }
  return describeAdapter(adapter);
}

/** What an adapter is: its label, and whether it is a software fallback (SwiftShader, lavapipe, WARP). */
export function describeAdapter(adapter: GpuAdapterLike | null): AdapterProbe {
  if (!adapter) return { present: false, software: false, label: 'no adapter' };
  const info = adapter.info ?? {};
  const text = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  const software =
    adapter.isFallbackAdapter === true ||
    info.isFallbackAdapter === true ||
    /swiftshader|llvmpipe|lavapipe|software|warp|microsoft basic render/i.test(text);
  return { present: true, software, label: text || 'unnamed adapter' };
}

/** What a measurement depends on besides the project: the backends here, the adapter, the cores, the agent. */
export async function deviceDescription(): Promise<string> {
  const nav = (globalThis as { navigator?: { userAgent?: string; hardwareConcurrency?: number } }).navigator;
  const probe = tf.findBackendFactory('webgpu') ? await probeWebGpuAdapter() : undefined;
  const backends = BACKENDS.filter((b) => tf.findBackendFactory(b)).join(',');
  return [backends, probe?.label ?? '', nav?.userAgent ?? '', nav?.hardwareConcurrency ?? ''].join('|');
}

/** In-memory cache of measured choices, per cacheKey. */
const measured = new Map<string, { name: BackendName; attempts: BackendAttempt[] }>();

const fmtMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);

/** "wasm 46 ms, webgl 334 ms, webgpu (software): not measured, ...; using wasm". */
export function describeChoice(name: BackendName, attempts: BackendAttempt[], pref: BackendPreference): string {
  if (pref !== 'auto') return `forced ${name}`;
  const parts = attempts.map((a) => {
    const label = a.software ? `${a.name} (software)` : a.name;
    if (a.ms !== undefined) return `${label} ${a.firstStepOnly ? '> ' : ''}${fmtMs(a.ms)}`;
    return a.why ? `${label}: ${a.why}` : label;
  });
  const timed = attempts.some((a) => a.ms !== undefined);
  const tail = timed ? `using ${name}, the fastest measured` : `using ${name}`;
  const shown = parts.filter((_, i) => attempts[i]?.name !== name || attempts[i]?.ms !== undefined);
  return shown.length ? `${shown.join(', ')}; ${tail}` : tail;
}

/**
 * On a software WebGPU adapter (SwiftShader), tfjs' matmul heuristic, made for GPUs, picks its reduce and
 * small-output programs for the small matmuls of a training step; SwiftShader runs their workgroup barriers
 * serially, and they take 3 to 20 times as long as the 32x32-tiled (packed) program: measured in Debian's
 * Chromium, [128,64]x[64,1] 68 ms against 3 ms, and the ring template's step 4.6 s against 0.9 s
 * (bench/gpu-counts.ts). Only when the flag is still tfjs' default (-1: its own choice).
 */
function tuneForSoftwareAdapter(): void {
  const MATMUL_PACKED_PROGRAM = 3; // MatMulProgramType.MatMulPackedProgram in tfjs-backend-webgpu
  if (tf.env().getNumber('WEBGPU_MATMUL_PROGRAM_TYPE') === -1)
    tf.env().set('WEBGPU_MATMUL_PROGRAM_TYPE', MATMUL_PACKED_PROGRAM);
}

/** Starts one backend; undefined when it started, else why not. */
async function start(name: BackendName, probe: AdapterProbe | undefined): Promise<string | undefined> {
  if (!tf.findBackendFactory(name)) return 'not available here';
  if (name === 'webgpu' && probe && !probe.present)
    return probe.label === 'no navigator.gpu' ? 'no navigator.gpu' : 'no WebGPU adapter';
  try {
    const ok = await tf.setBackend(name);
    if (!ok) return name === 'webgpu' ? 'no WebGPU adapter' : 'failed to initialise';
    await tf.ready();
    if (name === 'webgpu' && probe?.software) tuneForSoftwareAdapter();
    return undefined;
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  }
}

export async function selectBackend(
  pref: BackendPreference = 'auto',
  opts: SelectOptions = {},
): Promise<BackendChoice> {
  registerSecondOrderGradients();
  registerWasmTrainingKernels();
  patchWebGpuKernels();
  const probe =
    (pref === 'auto' || pref === 'webgpu') && tf.findBackendFactory('webgpu') ? await probeWebGpuAdapter() : undefined;
  if (pref !== 'auto') {
    const why = await start(pref, probe);
    if (why === undefined) return { name: pref, reason: `forced ${pref}`, attempts: [{ name: pref, ok: true }] };
    throw new BackendError(`No backend could start: ${pref}: ${why}.`);
  }

  const cached = opts.cacheKey ? (measured.get(opts.cacheKey) ?? readCache(opts)) : undefined;
  if (cached && (await start(cached.name, probe)) === undefined) {
    const reason = `${describeChoice(cached.name, cached.attempts, 'auto')} (measured earlier on this device)`;
    return { name: cached.name, reason, attempts: cached.attempts, cached: true };
  }

  // Which backends start at all, in the order of preference.
  const attempts: BackendAttempt[] = [];
  for (const name of BACKENDS) {
    if (!tf.findBackendFactory(name)) {
      attempts.push({ name, ok: false, why: 'not available here' });
      continue;
    }
    if (name === 'webgpu' && probe && !probe.present) {
      attempts.push({
        name,
        ok: false,
        why: probe.label === 'no navigator.gpu' ? 'no navigator.gpu' : 'no WebGPU adapter',
      });
      continue;
    }
    // Tried below, when it is a candidate; here only marked as present.
    attempts.push({ name, ok: true, ...(name === 'webgpu' && probe?.software ? { software: true } : {}) });
  }
  const present = attempts.filter((a) => a.ok);
  const others = (a: BackendAttempt) => present.some((b) => b !== a && !b.software && b.name !== 'cpu');
  for (const a of present) {
    if (a.software && others(a)) {
      a.ok = false;
      a.why = `not measured (a software adapter, ${probe?.label ?? 'fallback'})`;
    } else if (a.name === 'cpu' && present.some((b) => b.name === 'wasm')) {
      a.ok = false;
      a.why = 'not measured (slower than wasm)';
    }
  }
  // A hardware WebGPU adapter is timed first, then WASM, then the others: each later candidate stops after its
  // warm-up step when that alone is far slower than the best so far. A GPU's warm-up compiles its shaders and is
  // no yardstick, so it goes first and gets a second step; WASM's is, so it goes before WebGL. On a GPU machine
  // a big project then costs WASM one step, not two (DCGAN 64x64 on an H200: WebGPU 0.7 s a step, WASM 23 s).
  const rank = (a: BackendAttempt) => (a.name === 'webgpu' ? 0 : a.name === 'wasm' ? 1 : 2);
  const candidates = attempts.filter((a) => a.ok).sort((a, b) => rank(a) - rank(b));
  let best: BackendAttempt | undefined;
  for (const a of candidates) {
    const why = await start(a.name, probe);
    if (why !== undefined) {
      a.ok = false;
      a.why = why;
      continue;
    }
    if (!opts.trial || candidates.length === 1) {
      best = a;
      break;
    }
    try {
      const t = await opts.trial(best?.ms !== undefined ? best.ms : Number.POSITIVE_INFINITY);
      a.ms = t.ms;
      if (t.firstStepOnly) a.firstStepOnly = true;
      if (!best || (best.ms !== undefined && a.ms < best.ms)) best = a;
    } catch (e) {
      a.ok = false;
      a.why = `failed a training step: ${(e as Error).message.split('\n')[0]}`;
    }
  }
  if (!best) {
    // Only the ones set aside are left (a software adapter, or cpu beside a wasm that failed): the first that
    // starts.
    for (const a of attempts.filter((x) => x.why?.startsWith('not measured'))) {
      const why = await start(a.name, probe);
      if (why === undefined) {
        a.ok = true;
        delete a.why;
        best = a;
        break;
      }
      a.why = why;
    }
  }
  if (!best)
    throw new BackendError(`No backend could start: ${attempts.map((a) => `${a.name}: ${a.why}`).join('; ')}.`);
  if ((await start(best.name, probe)) !== undefined)
    throw new BackendError(`${best.name} stopped working after it was measured.`);
  if (opts.cacheKey && attempts.some((a) => a.ms !== undefined)) {
    measured.set(opts.cacheKey, { name: best.name, attempts });
    opts.cache?.set(`ganvas-backend:${opts.cacheKey}`, JSON.stringify({ name: best.name, attempts }));
  }
  return { name: best.name, reason: describeChoice(best.name, attempts, 'auto'), attempts };
}

function readCache(opts: SelectOptions): { name: BackendName; attempts: BackendAttempt[] } | undefined {
  const text = opts.cacheKey ? opts.cache?.get(`ganvas-backend:${opts.cacheKey}`) : undefined;
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as { name: BackendName; attempts: BackendAttempt[] };
    return (BACKENDS as readonly string[]).includes(v.name) && Array.isArray(v.attempts) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** FNV-1a of a string, as 8 hex digits. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/**
 * The key auto's measurement is cached under: the project's models, blocks and training graph without
 * canvas positions, labels or names (what the step computes), the batch size and the device.
 */
export function backendCacheKey(project: unknown, batchSize: number, device: string): string {
  const strip = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(strip)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v as Record<string, unknown>)
              .filter(([k]) => k !== 'position' && k !== 'label' && k !== 'description' && k !== 'name')
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([k, x]) => [k, strip(x)]),
          )
        : v;
  const p = (project ?? {}) as Record<string, unknown>;
  const shape = JSON.stringify(strip({ models: p.models, blocks: p.blocks, training: p.training }));
  return `${hash(shape)}-b${batchSize}-${hash(device)}`;
}
