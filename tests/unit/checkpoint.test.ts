/**
 * Damaged checkpoints (issue 15): checked as a whole before any of it is
 * used; each corruption the issue found is refused with a sentence saying
 * what is wrong, and a checkpoint of another project names the difference.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  CheckpointError,
  type CheckpointHeader,
  checkCheckpoint,
  decodeCheckpoint,
  encodeCheckpoint,
  tensorFingerprint,
} from '../../src/core/train/checkpoint.js';
import { Trainer } from '../../src/core/train/trainer.js';
import { validateProjectValue } from '../../src/core/validate.js';
import { toyProject } from './fixtures.js';

async function saved(): Promise<{ bytes: Uint8Array; header: CheckpointHeader; payload: Uint8Array }> {
  const t = new Trainer(validateProjectValue(toyProject()), { seed: 1, batchSize: 8 });
  await t.trainStep();
  const state = await t.state();
  const bytes = await encodeCheckpoint(state, 'toy');
  tf.dispose(state.tensors.map((x) => x.tensor));
  t.dispose();
  const len = new DataView(bytes.buffer).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len))) as CheckpointHeader;
  return { bytes, header, payload: bytes.slice(8 + len) };
}

function rebuild(header: unknown, payload: Uint8Array, refit = true): Uint8Array {
  const h = header as CheckpointHeader;
  if (refit && Array.isArray(h.tensors)) h.fingerprint = tensorFingerprint(h.tensors);
  const j = new TextEncoder().encode(JSON.stringify(h));
  const out = new Uint8Array(8 + j.length + payload.length);
  out.set([0x47, 0x4e, 0x56, 0x53]);
  new DataView(out.buffer).setUint32(4, j.length, true);
  out.set(j, 8);
  out.set(payload, 8 + j.length);
  return out;
}

const refused = (bytes: Uint8Array): string => {
  try {
    checkCheckpoint(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    return (e as Error).message;
  }
  throw new Error('accepted');
};

describe('checkpoint checks', () => {
  it('round-trips and refuses each corruption the issue found, saying what is wrong', async () => {
    const { bytes, header, payload } = await saved();
    const { header: back, tensors } = decodeCheckpoint(bytes);
    expect(back.step).toBe(1);
    tf.dispose(tensors.map((x) => x.tensor));
    const edit = (f: (h: CheckpointHeader & Record<string, unknown>) => void, refit = true) => {
      const h = structuredClone(header) as CheckpointHeader & Record<string, unknown>;
      f(h);
      return refused(rebuild(h, payload, refit));
    };
    expect(edit((h) => (h.step = -1_000_000))).toMatch(/^its header is invalid: step: .*>=0/);
    expect(edit((h) => (h.step = 'ten' as unknown as number))).toMatch(/step: .*expected number/);
    expect(edit((h) => (h.tensors[0]!.offset = -4))).toMatch(/tensors\[0\]\.offset/);
    expect(edit((h) => (h.tensors[1]!.dtype = 'float64' as 'float32'))).toMatch(/tensors\[1\]\.dtype/);
    expect(edit((h) => delete (h as Partial<CheckpointHeader>).tensors)).toMatch(/tensors: .*expected array/);
    expect(edit((h) => (h.tensors[2]!.length = 6))).toMatch(/has shape \[\d+(,\d+)*\] .* but length 6/);
    expect(edit((h) => (h.tensors[0]!.offset = 1e6 * 4))).toMatch(/runs past the end of the data/);
    expect(edit((h) => (h.tensors[0]!.shape = [3, 3]), false)).toMatch(/does not match its fingerprint/);
    expect(edit((h) => (h.format = 'ganvas-checkpoint/9' as CheckpointHeader['format']))).toMatch(
      /format .* is not one/,
    );
    const flipped = bytes.slice();
    flipped[bytes.length - 5]! ^= 1;
    expect(refused(flipped)).toMatch(/^its tensor data is damaged: checksum/);
    expect(refused(bytes.subarray(0, bytes.length - 3))).toMatch(/^it is truncated/);
    expect(refused(new Uint8Array([...bytes, 0, 0, 0, 0]))).toMatch(/bytes past the end of its tensors/);
    expect(refused(new TextEncoder().encode('{"format": "ganvas/1"}'))).toMatch(/^it is not a ganvas checkpoint/);
    expect(refused(bytes.subarray(0, 6))).toMatch(/^it is not a ganvas checkpoint/);
  });

  it('refuses non-finite weights', async () => {
    const { header, payload } = await saved();
    const p = payload.slice();
    new DataView(p.buffer).setFloat32(header.tensors[0]!.offset, Number.NaN, true);
    const h = structuredClone(header);
    const { fnv1a } = await import('../../src/core/train/checkpoint.js');
    h.checksum = fnv1a(p);
    expect(() => decodeCheckpoint(rebuild(h, p))).toThrow(/holds NaN or Infinity/);
  });

  it("restores nothing of another project's checkpoint and names the difference", async () => {
    const { bytes } = await saved();
    const other = toyProject();
    other.models.generator!.nodes[1]!.params = { units: 17 };
    const t = new Trainer(validateProjectValue(other), { seed: 1 });
    const before = await t.state();
    const { header, tensors } = decodeCheckpoint(bytes);
    await expect(t.restore({ step: header.step, tensors })).rejects.toThrow(
      /does not fit this project .*weight 0 \(g1\/kernel\) of model 'generator' has shape \[4,16\] in it, \[4,17\]/,
    );
    expect(t.step).toBe(0);
    const after = await t.state();
    for (const [k, x] of before.tensors.entries())
      expect(Array.from(await after.tensors[k]!.tensor.data())).toEqual(Array.from(await x.tensor.data()));
    tf.dispose([...tensors, ...before.tensors, ...after.tensors].map((x) => x.tensor));
    t.dispose();
  });
});
