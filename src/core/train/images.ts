/**
 * Sample pictures as RGBA pixel buffers (the shells encode them as PNG):
 * an image grid from a batch of generated images, and a scatter plot of
 * real and generated 2D points.
 */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** A grid of images from [N,H,W,C] values in [-1,1] (C = 1 or 3), with a 2-pixel gutter. */
export function imageGrid(
  values: Float32Array,
  n: number,
  h: number,
  w: number,
  c: number,
  columns = Math.ceil(Math.sqrt(n)),
): Rgba {
  const rows = Math.ceil(n / columns);
  const gap = 2;
  const width = columns * (w + gap) + gap;
  const height = rows * (h + gap) + gap;
  const data = new Uint8ClampedArray(width * height * 4).fill(40);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  for (let k = 0; k < n; k++) {
    const ox = gap + (k % columns) * (w + gap);
    const oy = gap + Math.floor(k / columns) * (h + gap);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const o = ((oy + y) * width + ox + x) * 4;
        for (let ch = 0; ch < 3; ch++) {
          const v = values[((k * h + y) * w + x) * c + (c === 1 ? 0 : ch)] as number;
          data[o + ch] = Math.round(((Math.max(-1, Math.min(1, v)) + 1) / 2) * 255);
        }
      }
  }
  return { width, height, data };
}

/** Real points (blue) and generated points (orange) on a square canvas spanning [-extent, extent]^2. */
export function scatter2d(real: Float32Array, fake: Float32Array, extent: number, size = 400): Rgba {
  const data = new Uint8ClampedArray(size * size * 4).fill(255);
  const plot = (pts: Float32Array, rgb: [number, number, number]) => {
    for (let i = 0; i + 1 < pts.length; i += 2) {
      const px = Math.round((((pts[i] as number) + extent) / (2 * extent)) * (size - 1));
      const py = Math.round(((extent - (pts[i + 1] as number)) / (2 * extent)) * (size - 1));
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const x = px + dx;
          const y = py + dy;
          if (x < 0 || y < 0 || x >= size || y >= size) continue;
          const o = (y * size + x) * 4;
          data[o] = rgb[0];
          data[o + 1] = rgb[1];
          data[o + 2] = rgb[2];
        }
    }
  };
  plot(real, [59, 130, 246]);
  plot(fake, [249, 115, 22]);
  return { width: size, height: size, data };
}
