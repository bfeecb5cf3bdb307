/**
 * Checkpoints: a training state (weights, optimizer slots, EMA, step) as one
 * binary blob: "GNVS", a little-endian u32 header length, a JSON header, then
 * the tensors' raw data. The shells store the bytes (a file, IndexedDB).
 *
 * A checkpoint is checked as a whole before any of it is used (issue 15): the
 * header against a schema (step, seed, project, every tensor's name, dtype,
 * shape, offset and length inside the payload), a fingerprint of the tensor
 * list, and a checksum over the payload. Every failure is a CheckpointError
 * whose message says what is wrong, to be prefixed with "checkpoint FILE: ".
 * Whether the tensors fit a project is Trainer.restore's check.
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';

export const CHECKPOINT_FORMAT = 'ganvas-checkpoint/2';
/** Read too: written before checksums (no fingerprint, no checksum). */
const CHECKPOINT_FORMAT_1 = 'ganvas-checkpoint/1';
const MAGIC = [0x47, 0x4e, 0x56, 0x53]; // GNVS
const MAX_HEADER_BYTES = 16 * 2 ** 20;
const MAX_TENSORS = 100_000;
const MAX_RANK = 8;

/** A tensor with its name in the state: the Trainer's NamedTensor, declared here so that trainer.ts can import this. */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const tensorEntry = z
  .object({
    name: z.string().min(1).max(500),
    shape: z
      .array(
        z
          .number()
          .int()
          .min(0)
          .max(2 ** 31 - 1),
      )
      .max(MAX_RANK),
    dtype: z.enum(['float32', 'int32']),
    offset: count,
    length: count,
  })
  .strict();
const headerSchema = z
  .object({
    format: z.enum([CHECKPOINT_FORMAT, CHECKPOINT_FORMAT_1]),
    step: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1),
    project: z.string().max(200),
    /** FNV-1a of the tensor list (names, dtypes, shapes): what structure the state is of. */
    fingerprint: z
      .string()
      .regex(/^[0-9a-f]{8}$/)
      .optional(),
    payloadBytes: count.optional(),
    /** FNV-1a over the payload bytes. */
    checksum: z
      .string()
      .regex(/^[0-9a-f]{8}$/)
      .optional(),
    tensors: z.array(tensorEntry).max(MAX_TENSORS),
  })
  .strict();

export type CheckpointHeader = z.infer<typeof headerSchema>;

export class CheckpointError extends Error {}

/** 32-bit FNV-1a, as 8 hex digits. */
export function fnv1a(bytes: Uint8Array, h = 0x811c9dc5): string {
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** The fingerprint of a tensor list: changes with any name, dtype or shape. */
export function tensorFingerprint(
  tensors: readonly { name: string; dtype: string; shape: readonly number[] }[],
): string {
  return fnv1a(new TextEncoder().encode(tensors.map((t) => `${t.name}:${t.dtype}:${t.shape.join('x')}`).join('\n')));
}

export async function encodeCheckpoint(
  state: { step: number; seed: number; tensors: NamedTensor[] },
  project: string,
): Promise<Uint8Array> {
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
  const payload = new Uint8Array(offset);
  let at = 0;
  for (const p of parts) {
    payload.set(p, at);
    at += p.byteLength;
  }
  const header: CheckpointHeader = {
    format: CHECKPOINT_FORMAT,
    step: state.step,
    seed: state.seed,
    project,
    fingerprint: tensorFingerprint(tensors),
    payloadBytes: payload.byteLength,
    checksum: fnv1a(payload),
    tensors,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + payload.byteLength);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(4, json.byteLength, true);
  out.set(json, 8);
  out.set(payload, 8 + json.byteLength);
  return out;
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.length === 0
    ? 'the header'
    : path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        .join('')
        .replace(/^\./, '');
}

/**
 * Checks checkpoint bytes as a whole without making any tensor: the header
 * and where its payload starts, or the CheckpointError saying what is wrong.
 */
export function checkCheckpoint(bytes: Uint8Array): { header: CheckpointHeader; base: number } {
  const fail = (why: string): never => {
    throw new CheckpointError(why);
  };
  if (bytes.byteLength < 8 || MAGIC.some((b, i) => bytes[i] !== b))
    fail('it is not a ganvas checkpoint (it does not start with the bytes "GNVS").');
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  if (len > MAX_HEADER_BYTES) fail(`its header claims ${len} bytes, over the limit of ${MAX_HEADER_BYTES}.`);
  if (8 + len > bytes.byteLength)
    fail(`it is truncated: the header needs ${len} bytes, the file has ${bytes.byteLength - 8} after the magic bytes.`);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + len)));
  } catch {
    return fail('its header is not valid JSON text (damaged or overwritten).');
  }
  if (typeof raw === 'object' && raw !== null && 'format' in raw) {
    const f = (raw as { format: unknown }).format;
    if (f !== CHECKPOINT_FORMAT && f !== CHECKPOINT_FORMAT_1)
      fail(`its format ${JSON.stringify(f)?.slice(0, 60)} is not one this ganvas reads ("${CHECKPOINT_FORMAT}").`);
  }
  const parsed = headerSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((i) => `${fieldPath(i.path)}: ${i.message}`);
    return fail(`its header is invalid: ${issues.join('; ')}.`);
  }
  const header = parsed.data;
  const base = 8 + len;
  const payload = bytes.byteLength - base;
  if (header.format === CHECKPOINT_FORMAT) {
    if (header.payloadBytes === undefined || header.checksum === undefined || header.fingerprint === undefined)
      fail('its header lacks payloadBytes, checksum or fingerprint.');
    if (header.payloadBytes !== payload)
      fail(
        header.payloadBytes! > payload
          ? `it is truncated: the header says ${header.payloadBytes} bytes of tensors, the file has ${payload}.`
          : `it has ${payload - header.payloadBytes!} bytes past the end of its tensors (damaged or appended to).`,
      );
    if (tensorFingerprint(header.tensors) !== header.fingerprint)
      fail('its tensor list does not match its fingerprint: the header was edited or damaged.');
  }
  const names = new Set<string>();
  for (const t of header.tensors) {
    if (names.has(t.name)) fail(`it lists tensor '${t.name}' twice.`);
    names.add(t.name);
    const elements = t.shape.reduce((a, b) => a * b, 1);
    if (t.length !== elements * 4)
      fail(
        `tensor '${t.name}' has shape [${t.shape}] (${elements} values, ${elements * 4} bytes) but length ${t.length}.`,
      );
    if (t.offset % 4 !== 0) fail(`tensor '${t.name}' starts at offset ${t.offset}, not a multiple of 4.`);
    if (t.offset + t.length > payload)
      fail(
        `tensor '${t.name}' (offset ${t.offset}, ${t.length} bytes) runs past the end of the data ` +
          `(${payload} bytes): ` +
          'the file is truncated or its header damaged.',
      );
  }
  if (header.checksum !== undefined) {
    const sum = fnv1a(bytes.subarray(base));
    if (sum !== header.checksum)
      fail(`its tensor data is damaged: checksum ${sum}, the header says ${header.checksum}.`);
  }
  return { header, base };
}

/** Checks the whole checkpoint (checkCheckpoint), then makes its tensors (the caller disposes them). */
export function decodeCheckpoint(bytes: Uint8Array): { header: CheckpointHeader; tensors: NamedTensor[] } {
  const { header, base } = checkCheckpoint(bytes);
  const made: tf.Tensor[] = [];
  const tensors = header.tensors.map((t) => {
    const slice = bytes.slice(base + t.offset, base + t.offset + t.length);
    const data = t.dtype === 'int32' ? new Int32Array(slice.buffer) : new Float32Array(slice.buffer);
    if (data instanceof Float32Array && !data.every(Number.isFinite)) {
      tf.dispose(made);
      const why = 'the run had diverged or the file is damaged';
      throw new CheckpointError(`tensor '${t.name}' holds NaN or Infinity: ${why}.`);
    }
    const tensor = tf.tensor(data, t.shape, t.dtype);
    made.push(tensor);
    return { name: t.name, tensor };
  });
  return { header, tensors };
}
