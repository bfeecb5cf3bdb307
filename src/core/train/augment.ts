/**
 * Differentiable augmentation of image batches (DiffAugment, Zhao et al.
 * 2020, as in the authors' released DiffAugment_pytorch.py), with an
 * optional per-sample probability per transformation (ADA, Karras et al.
 * 2020: each augmentation is applied to a sample with probability p).
 *
 * Every transformation is a differentiable function of the input (adds,
 * products, a reverse, products with 0/1 shift matrices and masks), so
 * gradients reach the generator through D's augmented inputs.
 *
 * Randomness: all draws are U[0,1) tensors of shape [B,1,1,1], made from one
 * seed (seed, seed + 1, ...) in a fixed order (augmentDraws), so that the
 * exported scripts can repeat them (the TypeScript export embeds this file;
 * the PyTorch export's augment() in pytorch-runtime.py draws the same shapes
 * in the same order from src.rand). Images are NHWC.
 */
import * as tf from '@tensorflow/tfjs-core';

/** DiffAugment's defaults: translation by up to 1/8 of the image, a cutout square of half its size. */
export const TRANSLATION_RATIO = 0.125;
export const CUTOUT_RATIO = 0.5;

/** The U[0,1) draws per sample each policy makes (one more each when gated: p < 1, or ADA's p). */
const DRAWS: Record<string, number> = { color: 3, translation: 2, cutout: 2, flip: 1 };

/** How many [B,1,1,1] draws an augmentation with these policies and probability makes. */
export function augmentDrawCount(policies: readonly string[], gated: boolean): number {
  return policies.reduce((s, k) => s + (DRAWS[k] ?? 0) + (gated ? 1 : 0), 0);
}

/** The draws, in order: for each policy its own, then (gated) its gate. */
export function augmentDraws(batch: number, policies: readonly string[], gated: boolean, seed: number): tf.Tensor[] {
  return Array.from({ length: augmentDrawCount(policies, gated) }, (_, k) =>
    tf.randomUniform([batch, 1, 1, 1], 0, 1, 'float32', seed + k),
  );
}

/** x + (r - 0.5). */
export function brightness(x: tf.Tensor, r: tf.Tensor): tf.Tensor {
  return tf.add(x, tf.sub(r, 0.5));
}

/** (x - mean over channels) * 2r + mean over channels. */
export function saturation(x: tf.Tensor, r: tf.Tensor): tf.Tensor {
  const m = tf.mean(x, 3, true);
  return tf.add(tf.mul(tf.sub(x, m), tf.mul(r, 2)), m);
}

/** (x - mean over the sample) * (r + 0.5) + mean over the sample. */
export function contrast(x: tf.Tensor, r: tf.Tensor): tf.Tensor {
  const m = tf.mean(x, [1, 2, 3], true);
  return tf.add(tf.mul(tf.sub(x, m), tf.add(r, 0.5)), m);
}

/** A random integer in [lo, lo + count) from u ~ U[0,1): floor(u * count) + lo (as float32, exact). */
function randint(u: tf.Tensor, count: number, lo: number): tf.Tensor {
  return tf.add(tf.floor(tf.mul(u, count)), lo);
}

/** [B,n,n] with a 1 at [b,i,i + t_b]: left-multiplying shifts rows by t_b (rows shifted in are 0). */
function shiftMatrix(t: tf.Tensor, n: number): tf.Tensor {
  const i = tf.reshape(tf.range(0, n, 1, 'float32'), [1, n, 1]);
  const k = tf.reshape(tf.range(0, n, 1, 'float32'), [1, 1, n]);
  return tf.cast(tf.equal(tf.sub(k, i), tf.reshape(t, [-1, 1, 1])), 'float32');
}

/**
 * out[b,i,j] = x[b, i + tx_b, j + ty_b], 0 outside the image; tx, ty uniform
 * integers in [-s, s], s = int(size * 1/8 + 0.5), from ux and uy.
 */
export function translation(x: tf.Tensor, ux: tf.Tensor, uy: tf.Tensor): tf.Tensor {
  const [b, h, w, c] = x.shape as [number, number, number, number];
  const sx = Math.floor(h * TRANSLATION_RATIO + 0.5);
  const sy = Math.floor(w * TRANSLATION_RATIO + 0.5);
  const rows = tf.matMul(shiftMatrix(randint(ux, 2 * sx + 1, -sx), h), tf.reshape(x, [b, h, w * c]));
  const byCol = tf.reshape(tf.transpose(tf.reshape(rows, [b, h, w, c]), [0, 2, 1, 3]), [b, w, h * c]);
  const cols = tf.matMul(shiftMatrix(randint(uy, 2 * sy + 1, -sy), w), byCol);
  return tf.transpose(tf.reshape(cols, [b, w, h, c]), [0, 2, 1, 3]);
}

/**
 * Zeroes a square of int(size/2 + 0.5) per side centred at a random offset
 * o in [0, size + (1 - side % 2)), rows [o - side//2, o - side//2 + side)
 * (clipped to the image), from ux (rows) and uy (columns).
 */
export function cutout(x: tf.Tensor, ux: tf.Tensor, uy: tf.Tensor): tf.Tensor {
  const [, h, w] = x.shape as [number, number, number, number];
  const ch = Math.floor(h * CUTOUT_RATIO + 0.5);
  const cw = Math.floor(w * CUTOUT_RATIO + 0.5);
  const inside = (u: tf.Tensor, n: number, side: number, shape: number[]) => {
    const start = randint(u, n + (1 - (side % 2)), -Math.floor(side / 2));
    const i = tf.reshape(tf.range(0, n, 1, 'float32'), shape);
    return tf.logicalAnd(tf.greaterEqual(i, start), tf.less(i, tf.add(start, side)));
  };
  const hole = tf.logicalAnd(inside(ux, h, ch, [1, h, 1, 1]), inside(uy, w, cw, [1, 1, w, 1]));
  return tf.mul(x, tf.sub(1, tf.cast(hole, 'float32')));
}

/** Mirrors a sample left-right where u < 0.5. */
export function flip(x: tf.Tensor, u: tf.Tensor): tf.Tensor {
  const m = tf.cast(tf.less(u, 0.5), 'float32');
  return tf.add(tf.mul(m, tf.reverse(x, 2)), tf.mul(tf.sub(1, m), x));
}

/** The policies in order on x, given the draws (augmentDraws' order); when gated, each applies to a sample with probability p. */
export function applyAugment(
  x: tf.Tensor,
  policies: readonly string[],
  p: number,
  draws: tf.Tensor[],
  gated = p < 1,
): tf.Tensor {
  let k = 0;
  const next = (): tf.Tensor => {
    const d = draws[k++];
    if (!d) throw new Error('augment: too few draws');
    return d;
  };
  let y = x;
  for (const policy of policies) {
    let z: tf.Tensor;
    if (policy === 'color') z = contrast(saturation(brightness(y, next()), next()), next());
    else if (policy === 'translation') z = translation(y, next(), next());
    else if (policy === 'cutout') z = cutout(y, next(), next());
    else if (policy === 'flip') z = flip(y, next());
    else throw new Error(`augment: unknown policy '${policy}'`);
    if (gated) {
      const m = tf.cast(tf.less(next(), p), 'float32');
      z = tf.add(tf.mul(m, z), tf.mul(tf.sub(1, m), y));
    }
    y = z;
  }
  return y;
}

/** Augments x [B,H,W,C] with draws from `seed`; ADA's nodes are always gated (their p moves). */
export function augment(x: tf.Tensor, policies: readonly string[], p: number, seed: number, gated = p < 1): tf.Tensor {
  return applyAugment(x, policies, p, augmentDraws(x.shape[0] as number, policies, gated, seed), gated);
}

/**
 * ADA's adjustment of p (Karras et al. 2020, section 3; their code's ada_interval and ada_kimg): given r_t, the
 * mean of sign(D(real)) over the last `interval` steps, p moves by sign(r_t - target) * batch * interval / speed,
 * clipped to [0,1].
 */
export function adaAdjust(
  p: number,
  rt: number,
  batch: number,
  s: { target: number; interval: number; speed: number },
): number {
  return Math.min(1, Math.max(0, p + (Math.sign(rt - s.target) * batch * s.interval) / s.speed));
}
