/**
 * `ganvas train` and WebGPU in Node, through Dawn (the optional `webgpu` package), on the adapters this machine
 * can be given: SwiftShader (a software Vulkan driver, the one Debian's Chromium ships, which .ci/run installs)
 * named by VK_ICD_FILENAMES, and no driver at all. On a GPU the same code ran on an NVIDIA H200
 * (docs/benchmarks.md, "On a GPU").
 * - `--backend webgpu` trains on SwiftShader, to WASM's losses; with no driver it says so in one line.
 * - `--backend auto` does not offer a software adapter (WASM is ~100x faster) and lets none of Dawn's warnings
 *   reach the terminal; probeNodeGpu() tells a software adapter from none.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { probeNodeGpu } from '../../src/cli/webgpu.js';

const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
const NO_DRIVER = '/nonexistent/vk_icd.json';

function train(backend: string, steps: number, icd: string) {
  const out = mkdtempSync(join(tmpdir(), `gv-${backend}-`));
  const r = spawnSync(
    process.execPath,
    ['bin/ganvas.js', 'train', 'templates/toy-ring.json', '--backend', backend, '--steps', String(steps), '--out', out],
    { encoding: 'utf8', timeout: 240_000, env: { ...process.env, VK_ICD_FILENAMES: icd, VK_DRIVER_FILES: icd } },
  );
  const losses = () =>
    readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type?: string; losses?: Record<string, number> })
      .filter((l) => l.type === 'step')
      .map((l) => l.losses as Record<string, number>);
  return { ...r, losses };
}

describe('ganvas train and WebGPU in Node (Dawn)', () => {
  const saved = process.env.VK_ICD_FILENAMES;
  afterEach(() => {
    if (saved === undefined) delete process.env.VK_ICD_FILENAMES;
    else process.env.VK_ICD_FILENAMES = saved;
  });

  it("--backend webgpu trains on a software adapter, to WASM's losses", () => {
    expect(existsSync(SWIFTSHADER), `${SWIFTSHADER}: Debian's chromium package provides it`).toBe(true);
    const gpu = train('webgpu', 3, SWIFTSHADER);
    expect(gpu.status, gpu.stderr).toBe(0);
    expect(gpu.stderr).toMatch(/backend webgpu \(forced webgpu\)/);
    const cpu = train('wasm', 3, SWIFTSHADER);
    expect(cpu.status, cpu.stderr).toBe(0);
    const [a, b] = [gpu.losses(), cpu.losses()];
    expect(a).toHaveLength(3);
    expect(b).toHaveLength(3);
    for (let s = 0; s < 3; s++)
      for (const [name, v] of Object.entries(b[s] as Record<string, number>)) {
        const w = (a[s] as Record<string, number>)[name] as number;
        // Same model, same seed, another backend's float rounding.
        expect(Math.abs(w - v), `step ${s + 1} ${name}: webgpu ${w}, wasm ${v}`).toBeLessThan(1e-3 * (1 + Math.abs(v)));
      }
  }, 300_000);

  it('--backend webgpu with no driver says so in one line', () => {
    const r = train('webgpu', 1, NO_DRIVER);
    expect(r.status).toBe(2);
    const ours = r.stderr.split('\n').filter((l) => l.startsWith('ganvas'));
    expect(ours).toHaveLength(1);
    expect(ours[0]).toMatch(/^ganvas train: --backend webgpu: no WebGPU adapter: .* Use --backend wasm\.$/);
    // No JS error or stack trace (Dawn's own native warning about Vulkan may precede the line).
    expect(r.stderr).not.toMatch(/TypeError|reading 'features'|\.m?[jt]s:\d+/);
  });

  it('auto leaves a software adapter out, quietly: probeNodeGpu() looks in a child process', () => {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER;
    const soft = probeNodeGpu();
    expect(soft).toMatchObject({ present: true, software: true });
    expect(soft?.label).toMatch(/swiftshader/i);
    process.env.VK_ICD_FILENAMES = NO_DRIVER;
    expect(probeNodeGpu()).toMatchObject({ present: false, software: false });

    for (const icd of [SWIFTSHADER, NO_DRIVER]) {
      const r = train('auto', 1, icd);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/: backend wasm \(/);
      // Nothing of Dawn's: no Vulkan warnings, no adapter named; WebGPU was not offered to auto.
      expect(r.stderr).not.toMatch(/vkCreateInstance|Warning|swiftshader/i);
      expect(r.stderr).toMatch(/\(webgpu: not available here, /);
    }
  }, 120_000);
});
