/**
 * `ganvas compare --augment on --augment off` (issue 17.2): the "off" run is
 * the same project without its Augment nodes, D judging the images the
 * Augment nodes were given; with the same seed it trains exactly as the
 * project written without them (dcgan-mnist.json against its DiffAugment
 * variant).
 */
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist, ROOT } from '../../src/cli/assets.js';
import { compareSpecs, parseLossSpec, withoutAugment } from '../../src/cli/compare.js';
import type { Project } from '../../src/core/project/index.js';
import { selectBackend } from '../../src/core/train/backend.js';
import { registerSecondOrderGradients } from '../../src/core/train/gradients.js';
import { Trainer } from '../../src/core/train/trainer.js';
import { validateProjectText, validateProjectValue } from '../../src/core/validate.js';

beforeAll(async () => {
  registerSecondOrderGradients();
  await selectBackend('wasm');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

const template = (f: string) => readFileSync(join(ROOT, 'templates', f), 'utf8');
const parsed = (f: string) => validateProjectText(template(f)).project as Project;
const edgeSet = (p: Project) =>
  p.training!.edges.map((e) => `${e.source}.${e.sourcePort} -> ${e.target}.${e.targetPort}`).sort();

describe('withoutAugment', () => {
  it("removes the Augment nodes and wires their inputs' sources to their consumers: the DiffAugment template becomes dcgan-mnist", () => {
    for (const f of ['dcgan-mnist-diffaugment.json', 'dcgan-mnist-ada.json']) {
      const r = withoutAugment(parsed(f));
      if ('error' in r) throw new Error(r.error);
      expect(r.project.training!.nodes.some((n) => n.type === 'Augment')).toBe(false);
      expect(edgeSet(r.project)).toEqual(edgeSet(parsed('dcgan-mnist.json')));
      expect(r.project.training!.nodes.map((n) => n.id).sort()).toEqual(
        parsed('dcgan-mnist.json')
          .training!.nodes.map((n) => n.id)
          .sort(),
      );
      expect(validateProjectValue(r.project).diagnostics).toEqual([]);
    }
  });

  it('the 200-digit ADA template without its Augment nodes is dcgan-mnist on the same 200 digits, the same models', () => {
    const r = withoutAugment(parsed('dcgan-mnist-ada-200.json'));
    if ('error' in r) throw new Error(r.error);
    const plain = parsed('dcgan-mnist.json');
    expect(edgeSet(r.project)).toEqual(edgeSet(plain));
    expect(r.project.models).toEqual(plain.models);
    const data = (q: Project) => q.training!.nodes.find((n) => n.type === 'Dataset')!.params;
    expect(data(r.project)).toEqual({ ...data(plain), count: 200 });
    expect(r.project.training!.settings).toMatchObject({ batchSize: 32, steps: 8000, seed: 0 });
  });

  it('handles two Augment nodes in a row, and leaves the project it was given unchanged', () => {
    const p = parsed('dcgan-mnist-diffaugment.json');
    const t = p.training!;
    // mnist.x -> aug_real -> aug_real2 -> D_real.x
    const into = t.edges.find((e) => e.source === 'aug_real')!;
    into.source = 'aug_real2';
    t.nodes.push({ ...t.nodes.find((n) => n.id === 'aug_real')!, id: 'aug_real2' });
    t.edges.push({ source: 'aug_real', sourcePort: 'out', target: 'aug_real2', targetPort: 'in' });
    expect(validateProjectValue(p).diagnostics).toEqual([]);
    const before = JSON.stringify(p);
    const r = withoutAugment(p);
    if ('error' in r) throw new Error(r.error);
    expect(edgeSet(r.project)).toEqual(edgeSet(parsed('dcgan-mnist.json')));
    expect(JSON.stringify(p)).toBe(before);
  });

  it('says so when there is no Augment node', () => {
    expect(withoutAugment(parsed('dcgan-mnist.json'))).toEqual({
      error: 'The training graph has no Augment node to switch off.',
    });
  });

  it('with the same seed, the "off" run trains step for step as the project written without Augment nodes', async () => {
    const off = withoutAugment(parsed('dcgan-mnist-diffaugment.json'));
    if ('error' in off) throw new Error(off.error);
    const mnist = loadMnist();
    const run = async (p: Project) => {
      const t = new Trainer(validateProjectValue(p), { assets: { mnist }, batchSize: 8, seed: 3 });
      const losses: Record<string, number>[] = [];
      for (let k = 0; k < 3; k++) losses.push((await t.trainStep()).losses);
      t.dispose();
      return losses;
    };
    const a = await run(off.project);
    expect(a).toEqual(await run(parsed('dcgan-mnist.json')));
    // ... and differs from the run with augmentation (D sees other images).
    expect(a).not.toEqual(await run(parsed('dcgan-mnist-diffaugment.json')));
  }, 60_000);
});

describe('compareSpecs', () => {
  it('every loss with every augmentation setting; a missing list keeps the project as it is', () => {
    const hinge = parseLossSpec('hinge');
    const ns = parseLossSpec('non-saturating');
    if (typeof hinge === 'string' || typeof ns === 'string') throw new Error('loss specs');
    expect(compareSpecs([], ['on', 'off']).map((s) => s.name)).toEqual(['augment-on', 'augment-off']);
    expect(compareSpecs([hinge, ns], []).map((s) => s.name)).toEqual(['hinge', 'non-saturating']);
    expect(compareSpecs([hinge, ns], ['off'])).toEqual([
      { name: 'hinge+augment-off', loss: hinge, augment: 'off' },
      { name: 'non-saturating+augment-off', loss: ns, augment: 'off' },
    ]);
  });
});
