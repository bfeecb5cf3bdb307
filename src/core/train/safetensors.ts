/**
 * safetensors (https://github.com/huggingface/safetensors, the format's
 * README): a little-endian u64 header size, a JSON header naming each
 * tensor's dtype, shape and byte range, then the raw little-endian data.
 * ganvas uses it to move weights between its TensorFlow.js models and the
 * PyTorch export (names and layouts as tfjs': `g_fc/kernel` [in, out]): no
 * pickle, nothing executable, every offset checked before use.
 */

export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array | Int32Array;
}

export class SafetensorsError extends Error {}

const MAX_HEADER = 100 * 2 ** 20;

/** The file's bytes for these tensors (sorted by name) and optional string metadata. */
export function encodeSafetensors(tensors: readonly NamedArray[], metadata?: Record<string, string>): Uint8Array {
  const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const t of sorted) {
    const count = t.shape.reduce((a, d) => a * d, 1);
    if (count !== t.data.length)
      throw new SafetensorsError(`Tensor '${t.name}': ${t.data.length} values do not fill the shape [${t.shape}].`);
    header[t.name] = {
      dtype: t.data instanceof Float32Array ? 'F32' : 'I32',
      shape: t.shape,
      data_offsets: [offset, offset + t.data.byteLength],
    };
    offset += t.data.byteLength;
  }
  if (metadata) header.__metadata__ = metadata;
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const t of sorted) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    // The format is little-endian, as is every platform tfjs runs on.
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

/** The tensors of a safetensors file (F32 and I32; F64/I64 are narrowed, U8 widened), its metadata, or a SafetensorsError saying what is wrong. */
export function decodeSafetensors(bytes: Uint8Array): { tensors: NamedArray[]; metadata: Record<string, string> } {
  if (bytes.byteLength < 8) throw new SafetensorsError('not a safetensors file (shorter than its 8-byte header size).');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = view.getBigUint64(0, true);
  if (size > BigInt(Math.min(MAX_HEADER, bytes.byteLength - 8)))
    throw new SafetensorsError(`the header size (${size} bytes) runs past the end of the file.`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + Number(size))));
  } catch (e) {
    throw new SafetensorsError(`the header is not JSON (${(e as Error).message}).`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw new SafetensorsError('the header is not a JSON object.');
  const body = bytes.subarray(8 + Number(size));
  const tensors: NamedArray[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = Object.fromEntries(
        Object.entries((info ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
      );
      continue;
    }
    const i = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const width = { F32: 4, I32: 4, F64: 8, I64: 8, U8: 1 }[String(i?.dtype)];
    if (!width)
      throw new SafetensorsError(
        `tensor '${name}' has dtype ${JSON.stringify(i?.dtype)}; F32, I32, F64, I64 and U8 are read.`,
      );
    const shape = i.shape;
    if (!Array.isArray(shape) || shape.length > 8 || !shape.every((d) => Number.isInteger(d) && d >= 0 && d < 2 ** 31))
      throw new SafetensorsError(`tensor '${name}' has a malformed shape ${JSON.stringify(shape)}.`);
    const offs = i.data_offsets;
    const count = (shape as number[]).reduce((a, d) => a * d, 1);
    if (
      !Array.isArray(offs) ||
      offs.length !== 2 ||
      !offs.every((o) => Number.isInteger(o) && o >= 0) ||
      (offs[1] as number) < (offs[0] as number) ||
      (offs[1] as number) > body.byteLength ||
      (offs[1] as number) - (offs[0] as number) !== count * width
    )
      throw new SafetensorsError(
        `tensor '${name}' has offsets ${JSON.stringify(offs)} that do not fit its shape [${shape}] or the file's ${body.byteLength} data bytes.`,
      );
    const raw = body.slice(offs[0] as number, offs[1] as number);
    const dv = new DataView(raw.buffer);
    let data: Float32Array | Int32Array;
    if (i.dtype === 'F32') data = new Float32Array(raw.buffer);
    else if (i.dtype === 'I32') data = new Int32Array(raw.buffer);
    else if (i.dtype === 'U8') data = Int32Array.from(raw);
    else if (i.dtype === 'F64') data = Float32Array.from({ length: count }, (_, k) => dv.getFloat64(k * 8, true));
    else data = Int32Array.from({ length: count }, (_, k) => Number(dv.getBigInt64(k * 8, true)));
    tensors.push({ name, shape: shape as number[], data });
  }
  return { tensors, metadata };
}
