/**
 * A fix for the tfjs 4.22 WebGPU backend: its AddN kernel binds every input
 * as a storage buffer, so with more inputs than the device allows per shader
 * stage (8 by default, so AddN of 8 or more) the shader is invalid and the
 * sum is wrong (measured: addN of 1..8 gives 28), and later work on the
 * queue can be corrupted with it. This wraps the kernel to add in chunks
 * that fit. Checked in tests/e2e/webgpu.spec.ts.
 */
import * as tf from '@tensorflow/tfjs-core';

let patched = false;

export function patchWebGpuKernels(): void {
  if (patched) return;
  const original = tf.getKernel('AddN', 'webgpu');
  if (!original) return; // the webgpu backend is not loaded
  patched = true;
  const inner = original.kernelFunc;
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({
    kernelName: 'AddN',
    backendName: 'webgpu',
    kernelFunc: (args) => {
      const inputs = args.inputs as unknown as tf.TensorInfo[];
      const backend = args.backend as unknown as {
        device?: { limits?: { maxStorageBuffersPerShaderStage?: number } };
        disposeData(id: tf.DataId): void;
      };
      const max = Math.max(2, (backend.device?.limits?.maxStorageBuffersPerShaderStage ?? 8) - 1);
      if (inputs.length <= max) return inner(args);
      let level = inputs;
      while (level.length > max) {
        const next: tf.TensorInfo[] = [];
        for (let i = 0; i < level.length; i += max) {
          const chunk = level.slice(i, i + max);
          next.push(
            chunk.length === 1
              ? (chunk[0] as tf.TensorInfo)
              : (inner({ ...args, inputs: chunk as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo),
          );
        }
        // Free the partial sums of the previous level (never the caller's inputs).
        if (level !== inputs) for (const t of level) if (!next.includes(t)) backend.disposeData(t.dataId);
        level = next;
      }
      const out = inner({ ...args, inputs: level as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
      if (level !== inputs) for (const t of level) if (!inputs.includes(t)) backend.disposeData(t.dataId);
      return out;
    },
  });
}
