/** The converted MNIST file: "MNST", u32 count (LE), count labels, count*784 pixels (0..255). */
import type { MnistData } from './datasets.js';

export function encodeMnistBin(d: MnistData): Uint8Array {
  const out = new Uint8Array(8 + d.count + d.count * 784);
  out.set([0x4d, 0x4e, 0x53, 0x54], 0);
  new DataView(out.buffer).setUint32(4, d.count, true);
  out.set(d.labels.subarray(0, d.count), 8);
  out.set(d.images.subarray(0, d.count * 784), 8 + d.count);
  return out;
}

export function decodeMnistBin(bytes: Uint8Array): MnistData {
  if (bytes.byteLength < 8 || bytes[0] !== 0x4d || bytes[1] !== 0x4e || bytes[2] !== 0x53 || bytes[3] !== 0x54)
    throw new Error('Not a ganvas MNIST file.');
  const count = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  if (bytes.byteLength !== 8 + count * 785) throw new Error('Truncated MNIST file.');
  return { count, labels: bytes.subarray(8, 8 + count), images: bytes.subarray(8 + count) };
}
