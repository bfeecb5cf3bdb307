/**
 * The exported script's datasets against ganvas' own (src/core/data/datasets.ts):
 * the same digit through each MNIST variant (box-filter resize, tanh/sigmoid
 * scaling, Sobel edges, thick inverted digits, 1 or 3 channels) gives the same
 * pixels; the 2D mixtures have the same mode centers.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadMnist, MNIST_BIN, ROOT } from '../../src/cli/assets.js';
import { pytorchRuntime } from '../../src/cli/export.js';
import { createSampler, type DatasetParams, mixtureCenters } from '../../src/core/data/datasets.js';
import { PYTHON } from './harness.js';

const DIR = join(ROOT, 'test-results/pytorch-data');
/** The digit both sides take: a sampler whose stream always answers this fraction picks index floor(f * count). */
const F = 0.4321;

const PY = `
import json, sys, torch
exec(open(sys.argv[1]).read())
cases = json.loads(sys.argv[2]); out = {}
for key, p in cases.items():
    d = Dataset(p, sys.argv[3])
    if p["source"] in ("ring", "grid"):
        out[key] = mixture_centers(p); continue
    k = int(${F} * len(d.digits))
    a = d.digits[k : k + 1]
    if p["source"] == "mnist":
        x = a * 2 - 1 if p["scale"] == "tanh" else a
        out[key] = {"x": to_nhwc(x).flatten().tolist()}
    elif p["source"] == "mnist-edges":
        img = lambda v: (v * 2 - 1).expand(-1, p["channels"], -1, -1)
        out[key] = {"a": to_nhwc(img(edges(a))).flatten().tolist(), "b": to_nhwc(img(a)).flatten().tolist()}
    else:
        img = lambda v: (v * 2 - 1).expand(-1, p["channels"], -1, -1)
        out[key] = {"a": to_nhwc(img(a)).flatten().tolist(), "b": to_nhwc(img(thick_inverted(a))).flatten().tolist()}
json.dump(out, sys.stdout)
`;

describe('datasets of the PyTorch export', () => {
  it("give ganvas' pixels and mode centers", async () => {
    await tf.setBackend('cpu');
    const cases: Record<string, DatasetParams> = {
      mnist28: { source: 'mnist', size: 28, scale: 'tanh' },
      mnist32: { source: 'mnist', size: 32, scale: 'sigmoid' },
      mnist14: { source: 'mnist', size: 14, scale: 'tanh' },
      first200: { source: 'mnist', size: 28, scale: 'tanh', count: 200 },
      edges: { source: 'mnist-edges', size: 32, channels: 3 },
      domains: { source: 'mnist-two-domains', size: 28, channels: 1 },
      ring: { source: 'ring', modes: 8, radius: 2, std: 0.02 },
      grid: { source: 'grid', side: 5, spacing: 2, std: 0.05 },
    };
    mkdirSync(DIR, { recursive: true });
    writeFileSync(join(DIR, 'runtime.py'), pytorchRuntime());
    const r = spawnSync(PYTHON, ['-c', PY, join(DIR, 'runtime.py'), JSON.stringify(cases), MNIST_BIN], {
      encoding: 'utf8',
      maxBuffer: 64 * 2 ** 20,
    });
    expect(r.status, r.stderr).toBe(0);
    const torch = JSON.parse(r.stdout);
    const mnist = loadMnist();
    for (const [key, p] of Object.entries(cases)) {
      if (p.source === 'ring' || p.source === 'grid') {
        expect(torch[key].flat()).toEqual(
          mixtureCenters(p)
            .flat()
            .map((v) => expect.closeTo(v, 6)),
        );
        continue;
      }
      const batch = createSampler(p, { mnist }).next(1, () => F);
      for (const [port, t] of Object.entries(batch)) {
        if (port === 'label') continue;
        const ours = Array.from(t.dataSync());
        const theirs = torch[key][port] as number[];
        expect(theirs.length, `${key}.${port}`).toBe(ours.length);
        const worst = Math.max(...ours.map((v, i) => Math.abs(v - (theirs[i] as number))));
        expect(worst, `${key}.${port}`).toBeLessThan(1e-5);
      }
    }
  });
});
