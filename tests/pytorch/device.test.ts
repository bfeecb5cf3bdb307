/**
 * Two defects of the PyTorch export that only a GPU and a current PyTorch showed (bench/device/run.sh on an
 * NVIDIA H200, torch 2.11): `--device cuda` in one process handed torch.cuda.set_device a device without an
 * index, which it refuses; and the projects' JSON writes a beta of 0 as the integer 0, which PyTorch 2's Adam
 * refuses beside a float beta2 ("betas must be either both floats or both Tensors"), so every template with
 * beta1 = 0 (WGAN-GP, StyleGAN-lite, ProGAN, BigGAN-lite) failed to start there. Checked here on the CPU: the
 * device each --device names, and the optimizer's hyper-parameters as Python floats for every optimizer of
 * those templates.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../src/cli/assets.js';
import { exportProjectPyTorch } from '../../src/cli/export.js';
import { validateProjectText } from '../../src/core/validate.js';
import { PYTHON } from './harness.js';

const DIR = join(ROOT, 'test-results/pytorch-device');
const PROBE = `
import importlib.util, json, sys, torch
spec = importlib.util.spec_from_file_location("exported", sys.argv[1]); mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
out = {"devices": {f"{w}@{r}": str(mod.choose_device(w, r)) for w, r in [("cuda", 0), ("cuda", 1), ("cuda:2", 0), ("cpu", 0)]}, "optimizers": []}
for cfg in mod.OPTIMIZERS:
    p = torch.nn.Parameter(torch.zeros(2))
    g = mod.make_optimizer([p], cfg).param_groups[0]
    keys = [k for k in ("lr", "betas", "eps", "momentum") if k in g]
    vals = [v for k in keys for v in (g[k] if isinstance(g[k], tuple) else (g[k],))]
    out["optimizers"].append({"id": cfg["id"], "beta1": cfg.get("beta1"), "types": sorted({type(v).__name__ for v in vals})})
json.dump(out, sys.stdout)
`;

describe('the PyTorch export on a GPU and on PyTorch 2', () => {
  for (const file of [
    'wgan-gp.json',
    'stylegan-lite.json',
    'progan-mnist.json',
    'biggan-lite.json',
    'dcgan-mnist.json',
  ])
    it(`${file}: --device cuda names this process's GPU; the optimizers get floats`, () => {
      const dir = join(DIR, file.replace('.json', ''));
      mkdirSync(dir, { recursive: true });
      const text = readFileSync(join(ROOT, 'templates', file), 'utf8');
      writeFileSync(join(dir, 'train.py'), exportProjectPyTorch(validateProjectText(text)));
      const r = spawnSync(PYTHON, ['-c', PROBE, join(dir, 'train.py')], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as {
        devices: Record<string, string>;
        optimizers: { id: string; beta1: unknown; types: string[] }[];
      };
      // --device and LOCAL_RANK (torchrun's; 0 in one process).
      expect(out.devices).toEqual({ 'cuda@0': 'cuda:0', 'cuda@1': 'cuda:1', 'cuda:2@0': 'cuda:2', 'cpu@0': 'cpu' });
      expect(out.optimizers.length).toBeGreaterThan(0);
      for (const o of out.optimizers) expect(o.types, o.id).toEqual(['float']);
      if (file !== 'dcgan-mnist.json') expect(out.optimizers.some((o) => o.beta1 === 0)).toBe(true);
    });
});
