/**
 * Points tfjs' WASM backend at its binaries, served by vite from the
 * package (no network beyond the page's own server). Absolute URLs, so that
 * it works from the page and from a worker alike.
 */
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

export function serveWasmFromBundle(origin: string): void {
  const at = (u: string) => new URL(u, origin).href;
  setWasmPaths({
    'tfjs-backend-wasm.wasm': at(wasmPlain),
    'tfjs-backend-wasm-simd.wasm': at(wasmSimd),
    'tfjs-backend-wasm-threaded-simd.wasm': at(wasmThreaded),
  });
}
