/** Files the panel hands to the person: a download of a blob, and a sample picture as PNG. */
import { markPng, type Provenance, type Rgba } from '../../core/train/index.js';
import { type PageSigner, signDownload } from './c2pa.js';

export function download(name: string, blob: Blob): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/**
 * A picture (from the store, not from a canvas on the page) encoded as PNG, marked as AI-generated
 * (core/train/provenance.ts), and signed with C2PA content credentials when the person gave a certificate (c2pa.ts).
 */
export async function pngBlob(pic: Rgba, provenance: Provenance, signer?: PageSigner): Promise<Blob> {
  const canvas = new OffscreenCanvas(pic.width, pic.height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('This browser cannot encode pictures here (no 2D canvas).');
  ctx.putImageData(new ImageData(new Uint8ClampedArray(pic.data), pic.width, pic.height), 0, 0);
  const plain = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
  const marked = markPng(plain, provenance);
  const bytes = signer ? await signDownload(marked, provenance, signer) : marked;
  return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/png' });
}
