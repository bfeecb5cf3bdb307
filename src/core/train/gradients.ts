/**
 * Second-order gradients for tfjs 4.22. Gradient penalties (WGAN-GP, R1,
 * R2, DRAGAN) differentiate D's input gradient with respect to D's weights,
 * so every op on that path needs a gradient whose own gradient is right.
 * tfjs gets this wrong in three ways (measured in tests/unit/second-order.test.ts):
 *
 * 1. Gradients built from an op's saved *output* (tanh, sigmoid, exp) are
 *    wrong at second order: the saved output is not connected to the
 *    outer tape. We recompute from the saved input instead.
 * 2. Comparison ops (Greater, Less, ...) have no gradient, so nested
 *    tf.grad throws through LeakyReLU, ReLU6 or maximum. Their gradient is
 *    zero almost everywhere; we register that.
 * 3. Some gradient kernels (AvgPoolGrad, ResizeNearestNeighborGrad,
 *    ResizeBilinearGrad, EluGrad) have no gradient themselves. Each is a
 *    linear map of its upstream gradient whose adjoint is the forward op, so
 *    that is their gradient.
 *
 * 5. MirrorPad's gradient in tfjs is a plain slice of dy, as if the padding
 *    were zeros: the reflected border's gradient is dropped, so reflection-
 *    padded models (CycleGAN) train on wrong gradients. We fold the border
 *    gradients back onto the pixels they copy.
 * 4. The CPU kernel of ResizeNearestNeighborGrad reads dy with the input's
 *    batch stride, so its first-order gradient is wrong for any batch > 1
 *    (an adjoint test shows it). For integer scale factors, which are what
 *    Upsample uses, the adjoint of nearest upsampling is sum pooling over
 *    f x f blocks; we use that on every backend.
 * 6. LeakyReLU's gradient, where(x > 0, dy, alpha dy) in tfjs, is dy times
 *    step(x, alpha) here: the same values to the bit (dy * 1, dy * alpha;
 *    only a NaN input gives NaN instead of alpha dy), in two element-wise
 *    kernels instead of three, of which Greater and Select are scalar loops
 *    on WASM (10 to 15 times an element-wise multiply there). Step's
 *    gradient is zero, as Greater's (2.), so second derivatives are unchanged.
 *
 * The registrations replace tfjs' own for these kernels, for all backends.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-layers registers all of tfjs' own gradients when it loads; it must
// load first so that the registrations below replace them, not the reverse.
import '@tensorflow/tfjs-layers';

type Attrs = Record<string, unknown>;

const zeroGrad = (kernelName: string, inputs: string[]): tf.GradConfig => ({
  kernelName,
  inputsToSave: inputs,
  gradFunc: (_dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
    Object.fromEntries(inputs.map((name, i) => [name, () => tf.zerosLike(saved[i] as tf.Tensor)])),
});

const single = (dy: tf.Tensor | tf.Tensor[]): tf.Tensor => (Array.isArray(dy) ? (dy[0] as tf.Tensor) : dy);

let registered = false;

export function registerSecondOrderGradients(): void {
  if (registered) return;
  registered = true;
  // 2. Comparison and logical ops: zero gradient.
  for (const k of ['Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual'])
    tf.registerGradient(zeroGrad(k, ['a', 'b']));
  for (const k of ['LogicalAnd', 'LogicalOr']) tf.registerGradient(zeroGrad(k, ['a', 'b']));
  tf.registerGradient(zeroGrad('LogicalNot', ['x']));

  // 6. LeakyReLU's gradient as dy * step(x, alpha) (step: 1 above 0, alpha elsewhere): dy * 1 and dy * alpha are
  //    tfjs' own values to the bit, in two element-wise kernels where tfjs uses three.
  tf.registerGradient({
    kernelName: 'LeakyRelu',
    inputsToSave: ['x'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs?: tf.NamedAttrMap) => {
      const alpha = (attrs as unknown as { alpha: number }).alpha;
      return { x: () => tf.mul(single(dy), tf.step(saved[0] as tf.Tensor, alpha)) };
    },
  });

  // 1. Recompute from the input rather than the saved output.
  tf.registerGradient({
    kernelName: 'Tanh',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(single(dy), tf.sub(1, tf.square(tf.tanh(x as tf.Tensor)))) }),
  });
  tf.registerGradient({
    kernelName: 'Sigmoid',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({
      x: () => {
        const s = tf.sigmoid(x as tf.Tensor);
        return tf.mul(single(dy), tf.mul(s, tf.sub(1, s)));
      },
    }),
  });
  tf.registerGradient({
    kernelName: 'Exp',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(single(dy), tf.exp(x as tf.Tensor)) }),
  });
  tf.registerGradient({
    kernelName: 'Softmax',
    inputsToSave: ['logits'],
    gradFunc: (dy, [logits], attrs) => {
      const { dim } = attrs as { dim: number };
      return {
        logits: () => {
          const y = tf.softmax(logits as tf.Tensor, dim);
          const dyy = tf.mul(single(dy), y);
          return tf.sub(dyy, tf.mul(tf.sum(dyy, [dim], true), y));
        },
      };
    },
  });
  tf.registerGradient({
    kernelName: 'LogSoftmax',
    inputsToSave: ['logits'],
    gradFunc: (dy, [logits], attrs) => {
      const { axis } = attrs as { axis: number };
      return {
        logits: () => {
          const d = single(dy);
          return tf.sub(d, tf.mul(tf.sum(d, axis, true), tf.softmax(logits as tf.Tensor, axis)));
        },
      };
    },
  });
  // ELU (alpha 1): d/dx = 1 for x > 0, exp(x) otherwise, from the input.
  tf.registerGradient({
    kernelName: 'Elu',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({
      x: () => {
        const xx = x as tf.Tensor;
        const d = single(dy);
        return tf.where(tf.greater(xx, 0), d, tf.mul(d, tf.exp(tf.minimum(xx, 0))));
      },
    }),
  });

  // 4. Nearest-neighbour resize: exact adjoint for integer factors.
  tf.registerGradient({
    kernelName: 'ResizeNearestNeighbor',
    inputsToSave: ['images'],
    gradFunc: (dy, [images], attrs) => {
      const x = images as tf.Tensor4D;
      const d = single(dy) as tf.Tensor4D;
      const { alignCorners, halfPixelCenters } = attrs as { alignCorners: boolean; halfPixelCenters: boolean };
      const [, h, w] = x.shape;
      const [, hh, ww] = d.shape;
      if (!alignCorners && !halfPixelCenters && hh % h === 0 && ww % w === 0) {
        const fh = hh / h;
        const fw = ww / w;
        return { images: () => tf.mul(tf.avgPool(d, [fh, fw], [fh, fw], 'valid'), fh * fw) };
      }
      // Other factors: the kernel is right one sample at a time.
      return {
        images: () =>
          tf.concat(
            tf
              .unstack(d)
              .map(
                (di, i) =>
                  tf
                    .engine()
                    .runKernel(
                      'ResizeNearestNeighborGrad',
                      { images: tf.slice(x, [i, 0, 0, 0], [1, -1, -1, -1]), dy: tf.expandDims(di, 0) },
                      attrs as unknown as tf.NamedAttrMap,
                    ) as tf.Tensor,
              ),
            0,
          ),
      };
    },
  });

  // 5. MirrorPad: fold each padded border back onto the pixels it mirrors.
  tf.registerGradient({
    kernelName: 'MirrorPad',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const { paddings, mode } = attrs as { paddings: [number, number][]; mode: 'reflect' | 'symmetric' };
      return { x: () => mirrorPadGrad(single(dy), (x as tf.Tensor).shape, paddings, mode) };
    },
  });

  // 3. Gradient kernels whose gradient is the forward op (their adjoint).
  tf.registerGradient({
    kernelName: 'AvgPoolGrad',
    inputsToSave: ['dy', 'input'],
    gradFunc: (ddx, saved, attrs) => {
      const { filterSize, strides, pad } = attrs as Attrs as {
        filterSize: [number, number] | number;
        strides: [number, number] | number;
        pad: 'valid' | 'same' | number;
      };
      return {
        dy: () => tf.avgPool(single(ddx) as tf.Tensor4D, filterSize, strides, pad),
        input: () => tf.zerosLike(saved[1] as tf.Tensor),
      };
    },
  });
  tf.registerGradient(resizeGradGradient('ResizeNearestNeighborGrad', tf.image.resizeNearestNeighbor));
  tf.registerGradient(resizeGradGradient('ResizeBilinearGrad', tf.image.resizeBilinear));
}

/** The gradient of a resize-gradient kernel with respect to dy: the forward resize (its adjoint), to dy's size. */
function resizeGradGradient(
  kernelName: string,
  resize: (x: tf.Tensor4D, size: [number, number], alignCorners: boolean, halfPixelCenters: boolean) => tf.Tensor4D,
): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['images', 'dy'],
    gradFunc: (ddx, saved, attrs) => {
      const { alignCorners, halfPixelCenters } = attrs as { alignCorners: boolean; halfPixelCenters: boolean };
      const dy = saved[1] as tf.Tensor4D;
      return {
        dy: () => resize(single(ddx) as tf.Tensor4D, [dy.shape[1], dy.shape[2]], alignCorners, halfPixelCenters),
        images: () => tf.zerosLike(saved[0] as tf.Tensor),
      };
    },
  };
}

/** The adjoint of tf.mirrorPad: built from slice, reverse, pad and add, so it is itself differentiable. */
export function mirrorPadGrad(
  dy: tf.Tensor,
  xShape: number[],
  paddings: [number, number][],
  mode: 'reflect' | 'symmetric',
): tf.Tensor {
  let g = dy;
  const shift = mode === 'reflect' ? 1 : 0;
  paddings.forEach(([before, after], axis) => {
    if (before === 0 && after === 0) return;
    const n = xShape[axis] as number;
    const begin = g.shape.map(() => 0);
    const sizeAt = (start: number, len: number) => {
      const b = [...begin];
      b[axis] = start;
      const size = g.shape.map((d) => d as number);
      size[axis] = len;
      return tf.slice(g, b, size);
    };
    const zeroPad = (t: tf.Tensor, lo: number, hi: number) =>
      tf.pad(t, g.shape.map((_, a) => (a === axis ? [lo, hi] : [0, 0])) as [number, number][]);
    let acc = sizeAt(before, n);
    if (before > 0) {
      // Left pad index j copies x[before - j - 1 + shift]: reversed, it lands on x[shift .. shift + before).
      const left = tf.reverse(sizeAt(0, before), axis);
      acc = tf.add(acc, zeroPad(left, shift, n - before - shift));
    }
    if (after > 0) {
      // Right pad index j copies x[n - 1 - shift - j]: reversed, it lands on x[n - shift - after .. n - shift).
      const right = tf.reverse(sizeAt(before + n, after), axis);
      acc = tf.add(acc, zeroPad(right, n - shift - after, shift));
    }
    g = acc;
  });
  return g;
}
