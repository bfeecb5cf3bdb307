/**
 * Images chosen or dropped in the page, decoded by the browser
 * (createImageBitmap resizes them) into the ImageSet the folder dataset
 * samples from: N*H*W*C floats in [0,1], gray by ITU-R 601 luma like the CLI.
 */
import type { ImageSet } from '../../core/data/index.js';

const IMAGE = /\.(png|jpe?g|webp|gif|bmp)$/i;
/** The most images kept in memory (about 1 GB of floats at 128x128x3 would be too many). */
export const MAX_IMAGES = 20_000;

export function isImage(f: File): boolean {
  return f.type.startsWith('image/') || IMAGE.test(f.name);
}

export interface FolderResult {
  images: ImageSet;
  /** Files that could not be decoded, by name. */
  skipped: string[];
}

export async function decodeImages(
  files: File[],
  width: number,
  height: number,
  channels: 1 | 3,
  onProgress?: (done: number, total: number) => void,
): Promise<FolderResult> {
  const list = files
    .filter(isImage)
    .sort((a, b) => a.name.localeCompare(b.name))
    .slice(0, MAX_IMAGES);
  if (list.length === 0) throw new Error(`No images among the ${files.length} files (PNG, JPEG, WebP, GIF or BMP).`);
  const per = width * height * channels;
  const pixels = new Float32Array(list.length * per);
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('This browser cannot decode images here (no 2D canvas).');
  const skipped: string[] = [];
  let count = 0;
  for (let i = 0; i < list.length; i++) {
    const f = list[i]!;
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(f, { resizeWidth: width, resizeHeight: height, resizeQuality: 'high' });
    } catch {
      skipped.push(f.name);
      continue;
    }
    ctx.clearRect(0, 0, width, height);
    ctx.drawImage(bitmap, 0, 0);
    bitmap.close();
    const rgba = ctx.getImageData(0, 0, width, height).data;
    const o = count * per;
    for (let p = 0; p < width * height; p++) {
      const r = (rgba[p * 4] as number) / 255;
      const g = (rgba[p * 4 + 1] as number) / 255;
      const b = (rgba[p * 4 + 2] as number) / 255;
      if (channels === 1) pixels[o + p] = 0.299 * r + 0.587 * g + 0.114 * b;
      else {
        pixels[o + p * 3] = r;
        pixels[o + p * 3 + 1] = g;
        pixels[o + p * 3 + 2] = b;
      }
    }
    count++;
    if (onProgress && (i % 50 === 0 || i === list.length - 1)) {
      onProgress(i + 1, list.length);
      await new Promise((r) => setTimeout(r, 0));
    }
  }
  if (count === 0)
    throw new Error(`None of the ${list.length} images could be decoded (${skipped.slice(0, 3).join(', ')}).`);
  return { images: { pixels: pixels.subarray(0, count * per), count, height, width, channels }, skipped };
}

/** Every file under the dropped items, folders read recursively. */
export async function droppedFiles(items: DataTransferItemList): Promise<File[]> {
  const entries = [...items].map((i) => i.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
  const out: File[] = [];
  const visit = async (e: FileSystemEntry): Promise<void> => {
    if (e.isFile) out.push(await new Promise<File>((res, rej) => (e as FileSystemFileEntry).file(res, rej)));
    else if (e.isDirectory) {
      const reader = (e as FileSystemDirectoryEntry).createReader();
      // readEntries returns the folder in pages until it gives an empty one.
      for (;;) {
        const page = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        if (page.length === 0) break;
        for (const c of page) await visit(c);
      }
    }
  };
  for (const e of entries) await visit(e);
  return out;
}
