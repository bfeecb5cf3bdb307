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
export function conv2dBackpropFilterViaConv(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode);
    const { top, bottom, left, right } = info.padInfo;
    const [kh, kw] = filterShape;
    const [sh, sw] = [info.strideHeight, info.strideWidth];
    // The padding as the convolution's own (no copy of x) when below the filter's size, dy's rows and columns
    // (tfjs-wasm's Conv2D corrupts its heap when it reaches it); else padded in memory.
    const [oh, ow] = [dy.shape[1], dy.shape[2]];
    const implicit = [top, bottom].every((p) => p >= 0 && p < oh) && [left, right].every((p) => p >= 0 && p < ow);
    const xp =
      !implicit && (top || bottom || left || right)
        ? tf.pad(x, [
            [0, 0],
            [Math.max(top, 0), Math.max(bottom, 0)],
            [Math.max(left, 0), Math.max(right, 0)],
            [0, 0],
          ])
        : x;
    const xT = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D; // [ci, H(p), W(p), B]
    const dyT = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [oh, ow, B, co]
    const convPad: 'valid' | tf.backend_util.ExplicitPadding =
      implicit && (top || bottom || left || right)
        ? [
            [0, 0],
            [top, bottom],
            [left, right],
            [0, 0],
          ]
        : 'valid';
    const full = tf.conv2d(xT, dyT, 1, convPad, 'NHWC', [sh, sw]); // [ci, Hp-(oh-1)sh, Wp-(ow-1)sw, co]
    const cropped =
      full.shape[1] === kh && full.shape[2] === kw ? full : tf.slice(full, [0, 0, 0, 0], [-1, kh, kw, -1]);
    return tf.transpose(cropped, [1, 2, 0, 3]) as tf.Tensor4D; // [kh, kw, ci, co]
  });
}

/** Pads (positive) or crops (negative) rows and columns of an NHWC tensor. */
function padOrCrop(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const begin = [0, Math.max(-top, 0), Math.max(-left, 0), 0];
  const size = [-1, h - Math.max(-top, 0) - Math.max(-bottom, 0), w - Math.max(-left, 0) - Math.max(-right, 0), -1];
  const cropped = begin[1] || begin[2] || bottom < 0 || right < 0 ? tf.slice(x, begin, size) : x;
  const p = [Math.max(top, 0), Math.max(bottom, 0), Math.max(left, 0), Math.max(right, 0)];
  return p.some((v) => v > 0)
    ? tf.pad(cropped, [
        [0, 0],
        [p[0]!, p[1]!],
        [p[2]!, p[3]!],
        [0, 0],
      ])
    : cropped;
}

/**
 * dx[b,ih,iw,ci] = sum over oh*s + kh - pt = ih (and the same for columns) of dy[b,oh,ow,co] * w[kh,kw,ci,co]:
 * the input gradient of a convolution, and the forward pass of a transposed convolution. By output phase
 * (ih mod s, iw mod s), it is a stride-1 convolution of dy with the taps of w that land on that phase,
 * flipped. The phases run on the backend's own fast Conv2D (XNNPACK), one convolution each, or all in one
 * (their filters side by side as output channels, in the window they share) when they have few channels,
 * and are then interleaved. No zeros are inserted into dy. Dilation is 1 (tfjs' gradient of conv2d
 * requires it).
 */
export function conv2dBackpropInputViaConv(
  dy: tf.Tensor4D,
  w: tf.Tensor4D,
  inShape: [number, number, number, number],
  strides: number | [number, number],
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(inShape, w.shape, strides, 1, pad, dimRoundingMode);
    const [b, h, wd, ci] = inShape;
    const [kh, kw, , co] = w.shape;
    const [sh, sw] = [info.strideHeight, info.strideWidth];
    const [oh, ow] = [dy.shape[1], dy.shape[2]];
    const qh = Math.ceil(h / sh);
    const qw = Math.ceil(wd / sw);
    // Along one axis, phase r takes taps k = m*s + first (m = 0 .. count-1) from dy rows q + last - m.
    const axis = (s: number, p: number, k: number) =>
      Array.from({ length: s }, (_, r) => {
        const first = (((r + p) % s) + s) % s;
        const count = first < k ? Math.ceil((k - first) / s) : 0;
        return { first, count, last: Math.floor((r + p) / s) };
      });
    const rows = axis(sh, info.padInfo.top, kh);
    const cols = axis(sw, info.padInfo.left, kw);
    if (!rows.some((x) => x.count > 0) || !cols.some((x) => x.count > 0)) return tf.zeros(inShape) as tf.Tensor4D;
    type Phase = { r: (typeof rows)[number]; c: (typeof cols)[number] };
    const phases: Phase[] = rows.flatMap((r) => cols.map((c) => ({ r, c })));
    // The filters are built in JS from w with its last two axes swapped ([kh, kw, co, ci], one fast transpose;
    // reading WASM memory is a copy): a phase's tap is then one contiguous block. tfjs-wasm's Reverse, StridedSlice
    // and Gather, which could cut them out in the heap, take over 1 ms for a 4x4x64x32 filter (measured).
    const wt = tf.transpose(w, [0, 1, 3, 2]);
    const wv = wt.dataSync() as Float32Array;
    /**
     * One convolution for a group of phases: dy over the window the group's phases share (rows q + lo .. q + hi),
     * their taps side by side as output channels: tap (kh, kw) of a phase sits at its distance from the phase's
     * last row, flipped.
     */
    const convolve = (group: Phase[]): tf.Tensor4D => {
      const live = group.filter((p) => p.r.count > 0 && p.c.count > 0);
      if (!live.length) return tf.zeros([b, qh, qw, group.length * ci]);
      const loH = Math.min(...live.map((p) => p.r.last - p.r.count + 1));
      const hiH = Math.max(...live.map((p) => p.r.last));
      const loW = Math.min(...live.map((p) => p.c.last - p.c.count + 1));
      const hiW = Math.max(...live.map((p) => p.c.last));
      const [mh, mw] = [hiH - loH + 1, hiW - loW + 1];
      const out = group.length * ci;
      const fv = new Float32Array(mh * mw * co * out);
      group.forEach(({ r, c }, g) => {
        for (let m = 0; m < r.count; m++)
          for (let n = 0; n < c.count; n++) {
            const from = ((r.first + m * sh) * kw + c.first + n * sw) * co * ci;
            const to = ((r.last - m - loH) * mw + c.last - n - loW) * co * out;
            if (group.length === 1) fv.set(wv.subarray(from, from + co * ci), to);
            else
              for (let o = 0; o < co; o++)
                for (let k = 0; k < ci; k++) fv[to + o * out + g * ci + k] = wv[from + o * ci + k] as number;
          }
      });
      const filter = tf.tensor4d(fv, [mh, mw, co, out]);
      const [top, bottom, left, right] = [-loH, qh + mh - 1 + loH - oh, -loW, qw + mw - 1 + loW - ow];
      // Rows and columns to crop are sliced off; those to add are the convolution's own (implicit) padding,
      // which costs no copy of dy, when below the window's size (tfjs-wasm's Conv2D corrupts its heap when
      // the padding reaches the kernel size), else padded in memory.
      const fits = (p: number, k: number) => (p > 0 && p < k ? p : 0);
      const [pt, pb, pl, pr] = [fits(top, mh), fits(bottom, mh), fits(left, mw), fits(right, mw)];
      const src = padOrCrop(dy, top - pt, bottom - pb, left - pl, right - pr);
      return pt || pb || pl || pr
        ? tf.conv2d(src, filter, 1, [
            [0, 0],
            [pt, pb],
            [pl, pr],
            [0, 0],
          ])
        : tf.conv2d(src, filter, 1, 'valid');
    };
    // A convolution per phase does only the true multiply-adds; one over all phases (their shared window, zero
    // taps included: 2.25x the work for 4x4 kernels at stride 2) is better when each phase has few output
    // channels, where XNNPACK is least efficient.
    const perPhase = ci >= 8 && phases.length > 1;
    const parts = perPhase ? phases.map((p) => convolve([p])) : [convolve(phases)];
    // [b, qh, qw, sh*sw*ci], channel (r*sw + c)*ci + k.
    const all = parts.length === 1 ? (parts[0] as tf.Tensor4D) : (tf.concat(parts, 3) as tf.Tensor4D);
    // Interleave: (q, p, r*(sw*ci) + c*ci + k) -> (q*sh + r, p*sw + c, k), one rank-4 transpose (tfjs-wasm's
    // DepthToSpace and rank-6 Transpose are several times slower).
    const inter = (
      sh === 1 && sw === 1
        ? all
        : tf.reshape(tf.transpose(tf.reshape(all, [b * qh, qw, sh, sw * ci]), [0, 2, 1, 3]), [b, qh * sh, qw * sw, ci])
    ) as tf.Tensor4D;
    return qh * sh === h && qw * sw === wd ? inter : tf.slice(inter, [0, 0, 0, 0], [b, h, wd, ci]);
  });
}

/**
 * tf.tile by whole-block copies: axis by axis from the last, each block (the axis and everything after it,
 * already tiled) is copied reps times. tfjs-wasm's Tile computes every output element's source index apart:
 * tiling BatchNorm's [1,1,1,C] statistics to an activation's shape (its gradient does, per layer) took longer
 * than the layer's convolution.
 */
export function tileValues<T extends Float32Array | Int32Array | Uint8Array>(x: T, shape: number[], reps: number[]): T {
  let data = x;
  let inner = 1; // elements after the current axis, already tiled
  for (let a = shape.length - 1; a >= 0; a--) {
    const r = reps[a] as number;
    const block = (shape[a] as number) * inner;
    if (r !== 1) {
      let outer = 1;
      for (let i = 0; i < a; i++) outer *= shape[i] as number;
      const out = new (data.constructor as new (n: number) => T)(outer * block * r);
      for (let o = 0; o < outer; o++) {
        const src = o * block;
        const dst = o * block * r;
        if (block >= 16) {
          const chunk = data.subarray(src, src + block);
          for (let k = 0; k < r; k++) out.set(chunk, dst + k * block);
        } else
          for (let k = 0; k < r; k++)
            for (let e = 0; e < block; e++) out[dst + k * block + e] = data[src + e] as number;
      }
      data = out;
    }
    inner = block * r;
  }
  return data;
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

/**
 * a (or a^T) times b (or b^T), with no transposed operand left for the backend's matmul: a transposed operand
 * is transposed in memory first, or, when the product is a matrix times a vector, the operands are swapped
 * so that the vector's transpose is a free reshape (a^T b = (b^T a)^T, a b^T = (b a^T)^T). tfjs-wasm 4.22's
 * BatchMatMul hands only untransposed operands to XNNPACK and computes the others with a plain loop: 512x1024
 * by 1024x512 took 300 ms with a transposed, 19 ms as transpose then matmul (measured here). Every dense
 * layer's gradient is such a product (dW = x^T dy, dx = dy W^T).
 */
export function matMulWithoutTransposes(
  a: tf.Tensor,
  b: tf.Tensor,
  transposeA: boolean,
  transposeB: boolean,
  matMul: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
): tf.Tensor {
  return tf.tidy(() => {
    const [ra, rb] = [a.rank, b.rank];
    const m = a.shape[transposeA ? ra - 1 : ra - 2] as number;
    const n = b.shape[transposeB ? rb - 2 : rb - 1] as number;
    const k = a.shape[transposeA ? ra - 2 : ra - 1] as number;
    // Batch dimensions all 1 (tfjs' own ops pass rank 3 with batch 1): a plain matrix product.
    const single = a.size === a.shape[ra - 1]! * a.shape[ra - 2]! && b.size === b.shape[rb - 1]! * b.shape[rb - 2]!;
    const outShape = [...new Array(Math.max(ra, rb) - 2).fill(1), m, n];
    // (b^T a)^T with b a column: b^T is b's data as a row.
    if (single && transposeA && !transposeB && n === 1)
      return tf.reshape(matMul(tf.reshape(b, [1, k]), tf.reshape(a, [k, m])), outShape);
    // (b a^T)^T with a a row: a^T is a's data as a column.
    if (single && transposeB && !transposeA && m === 1)
      return tf.reshape(matMul(tf.reshape(b, [n, k]), tf.reshape(a, [k, 1])), outShape);
    // a b^T with b the larger (a dense layer's input gradient dy W^T, W [in, out] and dy [batch, out]) as
    // (b a^T)^T: a and the product are transposed instead of b, and XNNPACK packs a^T, not b^T.
    if (single && transposeB && !transposeA && a.size + m * n < b.size)
      return tf.reshape(tf.transpose(matMul(tf.reshape(b, [n, k]), tf.transpose(tf.reshape(a, [m, k])))), outShape);
    const swapLast = (t: tf.Tensor) =>
      tf.transpose(
        t,
        [...t.shape.keys()].map((i) => (i < t.rank - 2 ? i : 2 * t.rank - 3 - i)),
      );
    return matMul(transposeA ? swapLast(a) : a, transposeB ? swapLast(b) : b);
  });
}

/**
 * The parts of tfjs-backend-wasm's backend that the JS kernels here use: an output tensor in the WASM heap, a
 * typed-array view of a tensor's heap memory (valid until the next allocation: take views after makeOutput),
 * and data shared by reference count (as its own Reshape does).
 */
interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  typedArrayFromHeap(info: Info): Float32Array | Int32Array | Uint8Array;
  incRef(dataId: tf.DataId): void;
}

let registered = false;

/** The kernels replaced on 'wasm', by name: ganvas' config, and tfjs' own (undefined for kernels tfjs lacks). */
const replaced = new Map<string, { fast: tf.KernelConfig; slow: tf.KernelConfig | undefined }>();

/** tfjs' own kernel `name` on args: the fallback of a replacement outside its fast cases. */
function callSlow(name: string, args: Parameters<tf.KernelFunc>[0]): Info | Info[] {
  const k = replaced.get(name)?.slow;
  if (!k) throw new Error(`tfjs-wasm's ${name} is not registered.`);
  return k.kernelFunc(args) as Info | Info[];
}

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);
const sizeOf = (info: Info) => tf.util.sizeFromShape(info.shape);

const fastBatchMatMul: tf.KernelFunc = (args) => {
  const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
  if (!transposeA && !transposeB) return callSlow('BatchMatMul', args);
  const { a, b } = args.inputs as { a: Info; b: Info };
  const [at, bt] = [wrap(a), wrap(b)];
  try {
    // tf.matMul without transposes comes back here and goes straight to tfjs' kernel.
    return matMulWithoutTransposes(at, bt, transposeA, transposeB, (x, y) => tf.matMul(x, y)) as unknown as Info;
  } finally {
    at.dispose();
    bt.dispose();
  }
};

const fastTile: tf.KernelFunc = ({ inputs, attrs }) => {
  const xt = wrap((inputs as { x: Info }).x);
  try {
    const reps = (attrs as unknown as { reps: number[] }).reps;
    const values = xt.dataSync() as Float32Array | Int32Array | Uint8Array;
    const shape = xt.shape.map((d, i) => d * (reps[i] as number));
    return tf.tensor(tileValues(values, xt.shape, reps), shape, xt.dtype) as unknown as Info;
  } finally {
    xt.dispose();
  }
};

const fastBackpropInput: tf.KernelFunc = ({ inputs, attrs }) => {
  const { dy, filter } = inputs as { dy: Info; filter: Info };
  const a = attrs as unknown as {
    strides: number | [number, number];
    pad: 'valid' | 'same' | number;
    dataFormat: string;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    inputShape: [number, number, number, number];
  };
  if (a.dataFormat === 'NCHW') throw new Error('Conv2DBackpropInput on wasm supports NHWC only.');
  const dyt = wrap(dy) as tf.Tensor4D;
  const wt = wrap(filter) as tf.Tensor4D;
  try {
    return conv2dBackpropInputViaConv(dyt, wt, a.inputShape, a.strides, a.pad, a.dimRoundingMode) as unknown as Info;
  } finally {
    dyt.dispose();
    wt.dispose();
  }
};

/**
 * Identity (tf.clone, and the engine's copy of every tensor a gradient saves: ~200 per DCGAN step) shares the
 * input's data, as the CPU and WebGL backends' do: tensors are immutable (a variable's assign replaces its data,
 * never writes into it). tfjs-wasm's copies it.
 */
const fastIdentity: tf.KernelFunc = (args) => {
  const { x } = args.inputs as { x: Info };
  if (x.dtype === 'string') return callSlow('Identity', args);
  (args.backend as unknown as WasmBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/**
 * Copies the box begin .. begin + size of x (shape `shape`) into out, as contiguous runs: the trailing axes taken
 * whole, with the last axis cut, make one run; the axes before are walked.
 */
export function sliceInto<T extends Float32Array | Int32Array | Uint8Array>(
  x: T,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  out: T,
): void {
  const rank = shape.length;
  if (rank === 0) {
    out[0] = x[0] as number;
    return;
  }
  let t = rank - 1; // the first axis of the run
  while (t > 0 && begin[t] === 0 && size[t] === shape[t]) t--;
  const strides = tf.util.computeStrides([...shape]);
  const stride = (a: number) => (a === rank - 1 ? 1 : (strides[a] as number));
  const run = (size[t] as number) * stride(t);
  const idx = new Array<number>(t).fill(0);
  const base = begin.reduce((acc, v, a) => acc + v * stride(a), 0);
  for (let o = 0; o < out.length; o += run) {
    let src = base;
    for (let a = 0; a < t; a++) src += (idx[a] as number) * stride(a);
    out.set(x.subarray(src, src + run), o);
    for (let a = t - 1; a >= 0; a--) {
      idx[a] = (idx[a] as number) + 1;
      if ((idx[a] as number) < (size[a] as number)) break;
      idx[a] = 0;
    }
  }
}

/**
 * Slice copying from a view of the heap. tfjs-wasm's Slice first copies the whole input out of the heap
 * (readSync), for every slice: splitting 270k weights into 15 parts took 9 ms, 60 times the copy itself.
 */
const fastSlice: tf.KernelFunc = (args) => {
  const { x } = args.inputs as { x: Info };
  if (x.dtype === 'string' || x.dtype === 'complex64') return callSlow('Slice', args);
  const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
  const [b, s] = tf.slice_util.parseSliceParams(x, begin, size) as [number[], number[]];
  return sliceOut(args.backend as unknown as WasmBackend, x, b, s);
};

function sliceOut(backend: WasmBackend, x: Info, begin: number[], size: number[]): Info {
  const out = backend.makeOutput(size, x.dtype);
  // Views after the allocation: it may grow (and so move) the heap.
  if (tf.util.sizeFromShape(size) > 0)
    sliceInto(backend.typedArrayFromHeap(x), x.shape, begin, size, backend.typedArrayFromHeap(out));
  return out;
}

/** tf.split: tfjs-wasm's SplitV calls its own Slice (the whole input copied out of the heap per part). */
const fastSplitV: tf.KernelFunc = (args) => {
  const { x } = args.inputs as { x: Info };
  if (x.dtype === 'string' || x.dtype === 'complex64') return callSlow('SplitV', args);
  const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
  const a = tf.util.parseAxisParam(axis, x.shape)[0] as number;
  const sizes = tf.backend_util.prepareSplitSize(x, numOrSizeSplits, a);
  const begin = x.shape.map(() => 0);
  return sizes.map((n) => {
    const size = [...x.shape];
    size[a] = n;
    const part = sliceOut(args.backend as unknown as WasmBackend, x, [...begin], size);
    begin[a] = (begin[a] as number) + n;
    return part;
  });
};

/** Cast to the dtype a tensor already has (the gradient of every cast and clone does) shares its data too. */
const fastCast: tf.KernelFunc = (args) => {
  const { x } = args.inputs as { x: Info };
  if (x.dtype === 'string' || x.dtype !== (args.attrs as unknown as { dtype: tf.DataType }).dtype)
    return callSlow('Cast', args);
  (args.backend as unknown as WasmBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/**
 * leakyRelu(x) = x * step(x, alpha), step being 1 above 0 and alpha elsewhere: x * 1 = x and x * alpha are what
 * tfjs computes, so the result is the same to the bit for alpha >= 0 (signed zeros and NaN included), in two of
 * tfjs-wasm's vectorised kernels.
 * tfjs-wasm's LeakyRelu is a scalar loop, 10 to 20 times slower than its Relu.
 */
const fastLeakyRelu: tf.KernelFunc = (args) => {
  const { x } = args.inputs as { x: Info };
  const alpha = (args.attrs as unknown as { alpha: number }).alpha;
  // With alpha < 0, x * step(x, alpha) flips the sign of zeros.
  if (x.dtype !== 'float32' || !(alpha >= 0)) return callSlow('LeakyRelu', args);
  const xt = wrap(x);
  try {
    return tf.tidy(() => tf.mul(xt, tf.step(xt, alpha))) as unknown as Info;
  } finally {
    xt.dispose();
  }
};

/**
 * Sum or mean over leading axes (BatchNorm's statistics and gradients, every broadcast gradient: [B,H,W,C] over
 * B, H and W) as one average pooling (XNNPACK's, vectorised) of x seen as [1, rows, 1, C], times rows for a sum.
 * tfjs-wasm reduces innermost axes only, so it transposes x first, and its reduction loop is scalar.
 */
function leadingReduction(name: 'Sum' | 'Mean'): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: Info };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
    const k = axes.length;
    if (x.dtype !== 'float32' || k === 0 || k >= x.shape.length || axes.some((v, i) => v !== i) || sizeOf(x) === 0)
      return callSlow(name, args);
    const rows = tf.util.sizeFromShape(x.shape.slice(0, k));
    const rest = x.shape.slice(k);
    const xt = wrap(x);
    try {
      return tf.tidy(() => {
        const mean = tf.avgPool(tf.reshape(xt, [1, rows, 1, -1]) as tf.Tensor4D, [rows, 1], 1, 'valid');
        return tf.reshape(
          name === 'Mean' ? mean : tf.mul(mean, rows),
          keepDims ? [...axes.map(() => 1), ...rest] : rest,
        );
      }) as unknown as Info;
    } finally {
      xt.dispose();
    }
  };
}

/** Replaces tfjs-wasm's kernel `name` with `fast` (keeping its own, and its WASM function binding). */
function replace(name: string, fast: tf.KernelFunc): void {
  const slow = tf.getKernel(name, 'wasm');
  if (slow) tf.unregisterKernel(name, 'wasm');
  const config: tf.KernelConfig = {
    kernelName: name,
    backendName: 'wasm',
    kernelFunc: fast,
    ...(slow?.setupFunc ? { setupFunc: slow.setupFunc } : {}),
  };
  tf.registerKernel(config);
  replaced.set(name, { fast: config, slow });
}

/**
 * ganvas' replacements of tfjs-wasm kernels, in the order they were added: the first three in the first round of
 * issue 14, the rest in the second (benchmarks compare the rounds).
 */
export const FAST_WASM_KERNELS = [
  'Conv2DBackpropInput',
  'Tile',
  'BatchMatMul',
  'Identity',
  'Cast',
  'Slice',
  'SplitV',
  'LeakyRelu',
  'Sum',
  'Mean',
] as const;

/**
 * Switches the 'wasm' backend's kernels that ganvas replaces between ganvas' (the default once
 * registerWasmTrainingKernels ran) and tfjs' own, for benchmarks and tests: true, all of ganvas'; false, all of
 * tfjs'; a list, ganvas' for those named only.
 */
export function useFastWasmKernels(which: boolean | readonly string[]): void {
  registerWasmTrainingKernels();
  const on = new Set<string>(which === true ? replaced.keys() : which === false ? [] : which);
  for (const [name, { fast, slow }] of replaced) {
    const current = tf.getKernel(name, 'wasm');
    const wanted = on.has(name) ? fast : slow;
    if (current?.kernelFunc === wanted?.kernelFunc) continue;
    if (current) tf.unregisterKernel(name, 'wasm');
    if (!wanted) continue;
    tf.registerKernel(wanted);
    // tfjs binds a kernel's WASM function when the backend starts: bind it now if it already has. Not
    // tf.findBackend, which starts a backend not yet started: each call before it is ready instantiates another
    // WASM module, and kernels bound to one module then run on another's heap (wrong values, seen in tests).
    const backend = tf.engine().registry.wasm;
    if (backend && wanted.setupFunc) wanted.setupFunc(backend);
  }
}

/** Registers the missing training kernels for the 'wasm' backend, and faster ones where tfjs' are slow (idempotent). */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  // tfjs-wasm's Conv2DBackpropInput is a plain loop: half of a DCGAN step.
  replace('Conv2DBackpropInput', fastBackpropInput);
  if (!tf.getKernel('Conv2DBackpropFilter', 'wasm'))
    tf.registerKernel({
      kernelName: 'Conv2DBackpropFilter',
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs }) => {
        const { x, dy } = inputs as { x: Info; dy: Info };
        const a = attrs as unknown as {
          strides: number | [number, number];
          pad: 'valid' | 'same' | number;
          dataFormat: string;
          dimRoundingMode?: 'floor' | 'round' | 'ceil';
          filterShape: [number, number, number, number];
        };
        if (a.dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only.');
        const xt = wrap(x) as tf.Tensor4D;
        const dyt = wrap(dy) as tf.Tensor4D;
        try {
          return conv2dBackpropFilterViaConv(
            xt,
            dyt,
            a.filterShape,
            a.strides,
            a.pad,
            a.dimRoundingMode,
          ) as unknown as Info;
        } finally {
          xt.dispose();
          dyt.dispose();
        }
      },
    });
  // tfjs-wasm's Tile: a per-element index loop, a tenth of a batch-64 DCGAN step (all its dtypes).
  replace('Tile', fastTile);
  // tfjs-wasm's BatchMatMul with a transposed operand: a plain loop, 10 to 20 times XNNPACK's time. Transposed
  // operands are transposed first, and the untransposed product goes to the original.
  replace('BatchMatMul', fastBatchMatMul);
  // The second round (the kernel profile of a DCGAN step after the first): copies, scalar loops and transposes.
  replace('Identity', fastIdentity);
  replace('Cast', fastCast);
  replace('Slice', fastSlice);
  replace('SplitV', fastSplitV);
  replace('LeakyRelu', fastLeakyRelu);
  replace('Sum', leadingReduction('Sum'));
  replace('Mean', leadingReduction('Mean'));
  if (!tf.getKernel('UnsortedSegmentSum', 'wasm'))
    tf.registerKernel({
      kernelName: 'UnsortedSegmentSum',
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs }) => {
        const { x, segmentIds } = inputs as { x: Info; segmentIds: Info };
        const xt = wrap(x);
        const ids = wrap(segmentIds);
        try {
          return unsortedSegmentSumViaMatMul(
            xt,
            ids,
            (attrs as unknown as { numSegments: number }).numSegments,
          ) as unknown as Info;
        } finally {
          xt.dispose();
          ids.dispose();
        }
      },
    });
}
