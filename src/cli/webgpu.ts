/**
 * WebGPU in Node, for `ganvas train --backend webgpu` and for `--backend auto` on a machine with a GPU: Dawn's
 * Node bindings (the optional `webgpu` package) provide navigator.gpu, and tfjs' WebGPU backend runs on it as in
 * a browser. Loaded into the process only when asked for or when a hardware adapter is there: without a usable
 * GPU, Dawn writes warnings of its own to stderr when it looks for an adapter, so auto looks in a child process.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { type AdapterProbe, describeAdapter, type GpuAdapterLike } from '../core/train/index.js';

let offered: Promise<string | undefined> | undefined;

/**
 * Makes navigator.gpu and the 'webgpu' backend available; undefined when it did, else why not (one line). Once
 * per process: `ganvas compare` trains its runs one after another, and a second Dawn instance would only replace
 * the navigator.gpu that tfjs' backend already took its device from.
 */
export function offerNodeWebGpu(): Promise<string | undefined> {
  offered ??= offer();
  return offered;
}

async function offer(): Promise<string | undefined> {
  let dawn: { create(flags: string[]): unknown; globals: Record<string, unknown> };
  try {
    dawn = (await import('webgpu')) as unknown as typeof dawn;
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    return `the optional package "webgpu" (Dawn for Node) is not installed or does not load here: ${why}`;
  }
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  const nav = (globalThis as { navigator?: object }).navigator;
  const value = { ...(nav ?? {}), gpu };
  Object.defineProperty(globalThis, 'navigator', { value, configurable: true, writable: true });
  await import('@tensorflow/tfjs-backend-webgpu');
  return undefined;
}

/** The one line `ganvas train` prints when --backend webgpu finds no adapter. */
export const NO_ADAPTER =
  'no WebGPU adapter: Dawn (the "webgpu" package) found no GPU it can use here (on Linux it needs a ' +
  'Vulkan driver, libvulkan, with the features Dawn requires). Use --backend wasm.';

/**
 * Whether Dawn finds a WebGPU adapter here, and what kind, asked in a child process so that Dawn's own warnings
 * (no Vulkan driver, a missing feature) stay out of the user's terminal. undefined when the `webgpu` package is
 * not installed; an absent adapter when the child fails or takes longer than `timeoutMs`. Costs a Node start and
 * Dawn's adapter query: about 70 ms here.
 */
export function probeNodeGpu(timeoutMs = 20_000): AdapterProbe | undefined {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve('webgpu');
  } catch {
    return undefined;
  }
  const script = [
    `const { create, globals } = await import(${JSON.stringify(pathToFileURL(entry).href)});`,
    'Object.assign(globalThis, globals);',
    "const a = await create([]).requestAdapter({ powerPreference: 'high-performance' });",
    'const i = a ? a.info ?? {} : {};',
    'const info = { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, isFallbackAdapter: i.isFallbackAdapter };',
    'process.stdout.write(JSON.stringify(a ? { info, isFallbackAdapter: a.isFallbackAdapter } : null));',
    'process.exit(0);',
  ].join('\n');
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  try {
    return describeAdapter(r.status === 0 ? (JSON.parse(r.stdout) as GpuAdapterLike | null) : null);
  } catch {
    return describeAdapter(null);
  }
}
