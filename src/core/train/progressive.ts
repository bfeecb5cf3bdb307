/**
 * Progressive growing (Karras et al. 2018, "Progressive Growing of GANs",
 * sec. 2 and appendix A.1), as the paper's own code runs it: the networks are
 * built once at the final resolution, and a level of detail (lod) decides how
 * much of them is in use.
 *
 * - The schedule: training starts at `start` x `start` for `stableImages`
 *   images; then each doubling fades in over `fadeImages` images (alpha from
 *   0 to 1, linear in images shown) and trains stable for `stableImages` more,
 *   until `final`. lod = log2(final / resolution in use), fractional during a
 *   fade: 3 at 4x4 of 32x32, 2.5 halfway through the fade to 8x8.
 * - FadeIn layers (nodes/layers/custom.ts) blend a block's new path with the
 *   old one: out = old + alpha_r (new - old), where r is the resolution the
 *   block brings in and alpha_r = clip(1 + lod_r - lod, 0, 1), lod_r =
 *   log2(final / r): 0 before r's fade (the block's weights get zero
 *   gradients), the fade's alpha during it, 1 after. In G the blend sits
 *   after toRGB at r (old: the previous output upsampled); in D after the
 *   block that takes r x r input (old: fromRGB of the image downsampled).
 * - Real images are shown to D at the resolution in use: average-pooled to
 *   it, blended during a fade with their half-resolution version (the same
 *   alpha), and upsampled back to `final` by nearest neighbour, as G's output
 *   is (progressiveReals).
 *
 * Everything is a function of the number of images shown (steps x batch), so
 * a run resumed mid-fade continues exactly.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FadeIn } from '../nodes/layers/custom.js';

export interface ProgressiveSchedule {
  /** The first resolution (ProGAN: 4). */
  start: number;
  /** The resolution the networks are built for; start x 2^k. */
  final: number;
  /** Images over which each new resolution fades in (ProGAN: 800k). */
  fadeImages: number;
  /** Images trained at each resolution once it is in (ProGAN: 800k). */
  stableImages: number;
}

/** Where a run is in the schedule. */
export interface ProgressivePhase {
  /** log2(final / resolution), fractional during a fade. */
  lod: number;
  /** The resolution being trained (the one fading in, during a fade). */
  resolution: number;
  /** Its fade-in: 0 to 1 during the fade, 1 once stable. */
  alpha: number;
  fading: boolean;
}

/** The phase after `images` images (steps x batch) have been shown. */
export function progressivePhase(s: ProgressiveSchedule, images: number): ProgressivePhase {
  const stages = Math.round(Math.log2(s.final / s.start));
  let t = Math.max(0, images) - s.stableImages;
  if (t < 0) return { lod: stages, resolution: s.start, alpha: 1, fading: false };
  for (let j = 1; j <= stages; j++) {
    const resolution = s.start * 2 ** j;
    if (t < s.fadeImages) {
      const alpha = t / s.fadeImages;
      return { lod: stages - j + 1 - alpha, resolution, alpha, fading: true };
    }
    t -= s.fadeImages;
    if (t < s.stableImages || j === stages) return { lod: stages - j, resolution, alpha: 1, fading: false };
    t -= s.stableImages;
  }
  return { lod: 0, resolution: s.final, alpha: 1, fading: false };
}

/** The blend weight of a FadeIn layer bringing in resolution r, at lod (see the header). */
export function fadeAlpha(final: number, r: number, lod: number): number {
  return Math.min(1, Math.max(0, 1 + Math.log2(final / r) - lod));
}

/**
 * The images at which the phase changes, in order: the end of the first stable stage, then each fade's end and
 * each stable stage's end, up to the end of the last fade (progressivePhase's stages).
 */
export function stageBoundaries(s: ProgressiveSchedule): number[] {
  const stages = Math.round(Math.log2(s.final / s.start));
  const out: number[] = [];
  let at = s.stableImages;
  out.push(at);
  for (let j = 1; j <= stages; j++) {
    at += s.fadeImages;
    out.push(at);
    if (j === stages) break;
    at += s.stableImages;
    out.push(at);
  }
  return out;
}

/** The images shown up to the end of the last fade: after it the networks train at full resolution. */
export function growthImages(s: ProgressiveSchedule): number {
  return stageBoundaries(s).at(-1) ?? 0;
}

/** Nearest-neighbour upsampling by an integer factor (each pixel becomes a f x f block). */
function upsample(x: tf.Tensor4D, f: number): tf.Tensor4D {
  return f === 1 ? x : tf.image.resizeNearestNeighbor(x, [x.shape[1] * f, x.shape[2] * f]);
}
/** Average pooling over f x f blocks. */
function downsample(x: tf.Tensor4D, f: number): tf.Tensor4D {
  return f === 1 ? x : tf.avgPool(x, f, f, 'valid');
}

/**
 * Real images [B,final,final,C] as D sees them at `lod`: at the resolution in
 * use final / 2^floor(lod), blended during a fade toward their half-resolution
 * version by lod - floor(lod), and upsampled back to final (ProGAN's
 * process_reals).
 */
export function progressiveReals(x: tf.Tensor4D, lod: number): tf.Tensor4D {
  return tf.tidy(() => {
    const whole = Math.floor(lod);
    const frac = lod - whole;
    const f = 2 ** whole;
    let y = downsample(x, f);
    if (frac > 0) y = tf.add(y, tf.mul(tf.sub(upsample(downsample(y, 2), 2), y), frac));
    return upsample(y, f);
  });
}

/** A model's layers, those of nested models included. */
function* allLayers(model: { layers: unknown[] }): Generator<unknown> {
  for (const l of model.layers) {
    yield l;
    if (l && typeof l === 'object' && Array.isArray((l as { layers?: unknown }).layers))
      yield* allLayers(l as { layers: unknown[] });
  }
}

/** Sets every FadeIn layer of the models to its alpha at lod (fadeAlpha). Returns how many were set. */
export function setFadeAlphas(models: Iterable<{ layers: unknown[] }>, final: number, lod: number): number {
  let n = 0;
  for (const m of models)
    for (const l of allLayers(m))
      if (l instanceof FadeIn) {
        l.alpha = fadeAlpha(final, l.resolution, lod);
        n++;
      }
  return n;
}

/** "8x8" once stable, "16x16 fading in, alpha 0.42" during a fade: for progress lines and the panel. */
export function describePhase(p: ProgressivePhase): string {
  const r = `${p.resolution}x${p.resolution}`;
  return p.fading ? `${r} fading in, alpha ${p.alpha.toFixed(2)}` : r;
}
