/**
 * Training kernels the tfjs 4.22 WASM backend lacks (tfjs issue 8474: no
 * Conv2DBackpropFilter, so no convolution can train on WASM), built from the
 * kernels it has. Each is checked against the CPU backend in
 * tests/unit/wasm-kernels.test.ts.
 *
 * A kernel here computes with tfjs ops and returns a Tensor, which the engine
 * takes as the kernel's output. These kernels only run inside backprop,
 * where the tape is off, so their inner ops are not recorded.
 */
import * as tf from '@tensorflow/tfjs-core';

type Info = tf.TensorInfo;

/** A Tensor view of a kernel input. It holds its own reference to the data, released by dispose(). */
function wrap(info: Info): tf.Tensor {
  const engine = tf.engine();
  const t = engine.makeTensorFromTensorInfo(info);
  engine.backend.incRef(info.dataId);
  return t;
}

/**
 * dW[kh,kw,ci,co] = sum_{b,oh,ow} x[b, oh*s + kh - pt, ow*s + kw - pl, ci] * dy[b,oh,ow,co]
 * as one dilated convolution: the batch becomes the contracted channel axis
 * (x^T: [ci, H, W, B]) and dy^T ([oh, ow, B, co]) the filter, dilated by the
 * stride. Uses the backend's own fast Conv2D.
 */
export function conv2dBackpropFilterViaConv(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], strides: number | [number, number], pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding, dimRoundingMode?: 'floor' | 'round' | 'ceil'): tf.Tensor4D {
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode);
    const { top, bottom, left, right } = info.padInfo;
    const [kh, kw] = filterShape;
    const xp = top || bottom || left || right ? tf.pad(x, [[0, 0], [Math.max(top, 0), Math.max(bottom, 0)], [Math.max(left, 0), Math.max(right, 0)], [0, 0]]) : x;
    const xT = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D; // [ci, Hp, Wp, B]
    const dyT = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [oh, ow, B, co]
    const [sh, sw] = [info.strideHeight, info.strideWidth];
    const full = tf.conv2d(xT, dyT, 1, 'valid', 'NHWC', [sh, sw]); // [ci, Hp-(oh-1)sh, Wp-(ow-1)sw, co]
    const cropped = tf.slice(full, [0, 0, 0, 0], [-1, kh, kw, -1]);
    return tf.transpose(cropped, [1, 2, 0, 3]) as tf.Tensor4D; // [kh, kw, ci, co]
  });
}

/** out[s] = sum of x rows whose id is s, as a one-hot matrix product. */
export function unsortedSegmentSumViaMatMul(x: tf.Tensor, ids: tf.Tensor, numSegments: number): tf.Tensor {
  return tf.tidy(() => {
    const n = x.shape[0] as number;
    const rest = x.shape.slice(1);
    const oneHot = tf.oneHot(tf.cast(tf.reshape(ids, [n]), 'int32') as tf.Tensor1D, numSegments); // [n, S]
    const flat = tf.reshape(tf.cast(x, 'float32'), [n, -1]) as tf.Tensor2D;
    const summed = tf.matMul(tf.cast(oneHot, 'float32') as tf.Tensor2D, flat, true, false); // [S, R]
    return tf.cast(tf.reshape(summed, [numSegments, ...rest]), x.dtype);
  });
}

let registered = false;

/** Registers the missing training kernels for the 'wasm' backend (idempotent). */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  if (!tf.getKernel('Conv2DBackpropFilter', 'wasm'))
    tf.registerKernel({
      kernelName: 'Conv2DBackpropFilter',
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs }) => {
        const { x, dy } = inputs as { x: Info; dy: Info };
        const a = attrs as unknown as { strides: number | [number, number]; pad: 'valid' | 'same' | number; dataFormat: string; dimRoundingMode?: 'floor' | 'round' | 'ceil'; filterShape: [number, number, number, number] };
        if (a.dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only.');
        const xt = wrap(x) as tf.Tensor4D;
        const dyt = wrap(dy) as tf.Tensor4D;
        try {
          return conv2dBackpropFilterViaConv(xt, dyt, a.filterShape, a.strides, a.pad, a.dimRoundingMode) as unknown as Info;
        } finally {
          xt.dispose();
          dyt.dispose();
        }
      },
    });
  if (!tf.getKernel('UnsortedSegmentSum', 'wasm'))
    tf.registerKernel({
      kernelName: 'UnsortedSegmentSum',
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs }) => {
        const { x, segmentIds } = inputs as { x: Info; segmentIds: Info };
        const xt = wrap(x);
        const ids = wrap(segmentIds);
        try {
          return unsortedSegmentSumViaMatMul(xt, ids, (attrs as unknown as { numSegments: number }).numSegments) as unknown as Info;
        } finally {
          xt.dispose();
          ids.dispose();
        }
      },
    });
}
