/**
 * WebGPU in Node, for `ganvas train --backend webgpu`: Dawn's Node bindings (the optional `webgpu` package)
 * provide navigator.gpu, and tfjs' WebGPU backend runs on it as in a browser. Loaded only when asked for:
 * without a usable GPU, Dawn writes a warning of its own to stderr when it looks for an adapter.
 */

/** Makes navigator.gpu and the 'webgpu' backend available; undefined when it did, else why not (one line). */
export async function offerNodeWebGpu(): Promise<string | undefined> {
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
