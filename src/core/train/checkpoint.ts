/**
 * Checkpoints: a training state (weights, optimizer slots, EMA, step) as one
 * binary blob: "GNVS", a little-endian u32 header length, a JSON header, then
 * the tensors' raw data. The shells store the bytes (a file, IndexedDB).
 */
import * as tf from '@tensorflow/tfjs-core';

/** A tensor with its name in the state (the Trainer's NamedTensor; declared here so that trainer.ts can import this). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

export const CHECKPOINT_FORMAT = 'ganvas-checkpoint/1';
const MAGIC = [0x47, 0x4e, 0x56, 0x53]; // GNVS

export interface CheckpointHeader {
  format: typeof CHECKPOINT_FORMAT;
  step: number;
  seed: number;
  project: string;
  tensors: { name: string; shape: number[]; dtype: 'float32' | 'int32'; offset: number; length: number }[];
}

export class CheckpointError extends Error {}

export async function encodeCheckpoint(state: { step: number; seed: number; tensors: NamedTensor[] }, project: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const tensors: CheckpointHeader['tensors'] = [];
  let offset = 0;
  for (const { name, tensor } of state.tensors) {
    const dtype = tensor.dtype === 'int32' ? 'int32' : 'float32';
    const data = await tensor.data();
    const bytes = new Uint8Array(dtype === 'int32' ? Int32Array.from(data).buffer : Float32Array.from(data).buffer);
    tensors.push({ name, shape: tensor.shape, dtype, offset, length: bytes.byteLength });
    parts.push(bytes);
    offset += bytes.byteLength;
  }
  const header: CheckpointHeader = { format: CHECKPOINT_FORMAT, step: state.step, seed: state.seed, project, tensors };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + offset);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(4, json.byteLength, true);
  out.set(json, 8);
  let at = 8 + json.byteLength;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

export function decodeCheckpoint(bytes: Uint8Array): { header: CheckpointHeader; tensors: NamedTensor[] } {
  if (bytes.byteLength < 8 || MAGIC.some((b, i) => bytes[i] !== b)) throw new CheckpointError('Not a ganvas checkpoint (bad magic bytes).');
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  if (8 + len > bytes.byteLength) throw new CheckpointError('Truncated checkpoint (header runs past the end).');
  let header: CheckpointHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len))) as CheckpointHeader;
  } catch {
    throw new CheckpointError('Corrupt checkpoint header.');
  }
  if (header.format !== CHECKPOINT_FORMAT) throw new CheckpointError(`Unsupported checkpoint format ${JSON.stringify(header.format)}.`);
  const base = 8 + len;
  const tensors = header.tensors.map((t) => {
    if (base + t.offset + t.length > bytes.byteLength) throw new CheckpointError(`Truncated checkpoint: tensor ${t.name} runs past the end.`);
    const slice = bytes.slice(base + t.offset, base + t.offset + t.length);
    const data = t.dtype === 'int32' ? new Int32Array(slice.buffer) : new Float32Array(slice.buffer);
    return { name: t.name, tensor: tf.tensor(data, t.shape, t.dtype) };
  });
  return { header, tensors };
}
