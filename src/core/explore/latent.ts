/**
 * Latent-space utilities of the explorer, on plain arrays (no tfjs): seeded
 * latent vectors, linear and spherical interpolation, the truncation trick
 * (BigGAN's resampling of z, StyleGAN's pull of w toward its mean), and
 * chosen dimensions set by hand. A seed's z is drawn here in JavaScript, not
 * by a tfjs random op, so it is the same vector on every backend.
 */
import { makeRng, normal, type Rng } from '../data/index.js';

export type LatentDistribution = 'normal' | 'uniform';

/** Thrown for requests the explorer cannot honour; the message says why. */
export class ExploreError extends Error {
  override name = 'ExploreError';
}

/** The latent vector of a seed: `dim` draws of N(0,1) (or U(-1,1)) from a stream named by the seed. */
export function seededLatent(seed: number, dim: number, distribution: LatentDistribution = 'normal'): Float32Array {
  const rng = makeRng(`latent:${seed}`);
  const z = new Float32Array(dim);
  for (let i = 0; i < dim; i++) z[i] = distribution === 'uniform' ? rng() * 2 - 1 : normal(rng);
  return z;
}

/** (1 - t) a + t b. */
export function lerp(a: Float32Array, b: Float32Array, t: number): Float32Array {
  sameLength(a, b);
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (1 - t) * (a[i] as number) + t * (b[i] as number);
  return out;
}

/**
 * Spherical interpolation (Shoemake 1985; White 2016 for GAN latents):
 * sin((1-t)θ)/sin θ · a + sin(tθ)/sin θ · b, with θ the angle between a and b.
 * For unit a and b the result stays on the unit sphere and its angle to a is
 * tθ. Nearly parallel vectors (sin θ ≈ 0) fall back to lerp.
 */
export function slerp(a: Float32Array, b: Float32Array, t: number): Float32Array {
  sameLength(a, b);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    na += (a[i] as number) ** 2;
    nb += (b[i] as number) ** 2;
  }
  const cos = Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb)));
  const theta = Math.acos(cos);
  const s = Math.sin(theta);
  if (!(s > 1e-6)) return lerp(a, b, t);
  const ka = Math.sin((1 - t) * theta) / s;
  const kb = Math.sin(t * theta) / s;
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = ka * (a[i] as number) + kb * (b[i] as number);
  return out;
}

/**
 * BigGAN's truncation trick (Brock et al. 2019, section 3.1): every entry of
 * z with |z| > psi is drawn again, from the same distribution, until it falls
 * inside. The redraws come from a stream named by `seed`, so the result is a
 * function of (z, psi, seed).
 */
export function truncateLatent(
  z: Float32Array,
  psi: number,
  seed: number,
  distribution: LatentDistribution = 'normal',
): Float32Array {
  if (!(psi > 0)) throw new ExploreError(`Truncation threshold must be above 0; it is ${psi}.`);
  const rng: Rng = makeRng(`truncate:${seed}`);
  const draw = () => (distribution === 'uniform' ? rng() * 2 - 1 : normal(rng));
  const out = Float32Array.from(z);
  for (let i = 0; i < out.length; i++) {
    let v = out[i] as number;
    // For a normal, P(|z| <= psi) >= 0.08 for psi >= 0.1: the loop ends; a cap keeps a uniform with psi >= 1 safe.
    for (let k = 0; Math.abs(v) > psi && k < 10_000; k++) v = draw();
    out[i] = Math.abs(v) > psi ? Math.sign(v) * psi : v;
  }
  return out;
}

/** StyleGAN's truncation in W (Karras et al. 2019, eq. 3): w' = w_avg + psi (w - w_avg), per row of a [n, d] batch. */
export function truncateStyle(w: Float32Array, wAvg: Float32Array, psi: number): Float32Array {
  const d = wAvg.length;
  if (w.length % d !== 0) throw new ExploreError(`w has ${w.length} values, not rows of ${d}.`);
  const out = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const m = wAvg[i % d] as number;
    out[i] = m + psi * ((w[i] as number) - m);
  }
  return out;
}

/** z with chosen dimensions set to chosen values (the sliders); the others kept. */
export function setDimensions(z: Float32Array, dims: readonly { index: number; value: number }[]): Float32Array {
  const out = Float32Array.from(z);
  for (const { index, value } of dims) {
    if (!Number.isInteger(index) || index < 0 || index >= z.length)
      throw new ExploreError(`Latent dimension ${index} does not exist: z has dimensions 0 to ${z.length - 1}.`);
    out[index] = value;
  }
  return out;
}

/** `steps` evenly spaced t in [0, 1], both ends included (one step: t = 0). */
export function interpolationTimes(steps: number): number[] {
  if (!Number.isInteger(steps) || steps < 1)
    throw new ExploreError(`Interpolation needs 1 or more steps; got ${steps}.`);
  return steps === 1 ? [0] : Array.from({ length: steps }, (_, i) => i / (steps - 1));
}

function sameLength(a: Float32Array, b: Float32Array): void {
  if (a.length !== b.length) throw new ExploreError(`Latents of different lengths (${a.length} and ${b.length}).`);
}
