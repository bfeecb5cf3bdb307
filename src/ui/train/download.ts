/** Files the panel hands to the person: a download of a blob, and a sample picture as PNG. */
import type { Rgba } from '../../core/train/index.js';

export function download(name: string, blob: Blob): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** A picture (from the store, not from a canvas on the page) encoded as PNG. */
export async function pngBlob(pic: Rgba): Promise<Blob> {
  const canvas = new OffscreenCanvas(pic.width, pic.height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('This browser cannot encode pictures here (no 2D canvas).');
  ctx.putImageData(new ImageData(new Uint8ClampedArray(pic.data), pic.width, pic.height), 0, 0);
  return canvas.convertToBlob({ type: 'image/png' });
}
