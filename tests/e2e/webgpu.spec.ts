import { mkdirSync, writeFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';

/**
 * The same training steps on WebGPU (Chromium's adapter: SwiftShader without
 * a GPU) and on the CPU backend, in the browser, compared number by number.
 */
test('training steps on WebGPU match the CPU backend', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/');
  const report = await page.evaluate(async () => {
    const path = '/tests/e2e/gpu-harness.ts';
    const m = (await import(/* @vite-ignore */ path)) as typeof import('./gpu-harness');
    return m.compareBackends();
  });
  mkdirSync('test-results', { recursive: true });
  writeFileSync('test-results/webgpu-vs-cpu.json', JSON.stringify(report, null, 2));
  console.log(`WebGPU: ${report.webgpu ? `yes (${report.adapter ?? 'adapter'})` : `no: ${report.reason}`}`);
  // Measured on these machines: Debian's Chromium gives a SwiftShader adapter with --enable-unsafe-webgpu.
  expect(report.webgpu, `no WebGPU adapter: ${report.reason}`).toBe(true);
  // tfjs' WebGPU AddN drops inputs past 7; ganvas patches it (src/core/train/webgpu-kernels.ts).
  expect(report.addN).toEqual([3, 28, 36, 78]);
  for (const name of ['ring', 'conv']) {
    const gpu = report.runs[`${name}/webgpu`]!;
    const cpu = report.runs[`${name}/cpu`]!;
    expect(gpu.backend).toBe('webgpu');
    expect(cpu.backend).toBe('cpu');
    gpu.losses.forEach((losses, i) => {
      for (const [k, v] of Object.entries(cpu.losses[i]!))
        expect(Math.abs(losses[k]! - v), `${name} step ${i + 1} ${k}: webgpu ${losses[k]} cpu ${v}`).toBeLessThan(
          2e-3 * Math.max(1, Math.abs(v)),
        );
    });
  }
});
