import { expect, test } from '@playwright/test';

/**
 * What one training step of the ring template asks of the GPU after warm-up, counted in the page
 * (tests/e2e/gpu-counts.ts) on Chromium's WebGPU (SwiftShader without a GPU) and WebGL: hardware-independent
 * counts, so they hold on any adapter. No time is asserted.
 */
test('a ring step after warm-up compiles nothing, reads once, and dispatches within 10% of hand-written tfjs', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.goto('/');
  const report = await page.evaluate(async () => {
    const path = '/tests/e2e/gpu-counts.ts';
    const m = (await import(/* @vite-ignore */ path)) as typeof import('./gpu-counts');
    return m.countSteps({ backends: ['webgpu', 'webgl'], warmup: 2, steps: 2 });
  });
  expect(report.errors).toEqual([]);
  for (const backend of ['webgpu', 'webgl']) {
    const ganvas = report.rows.find((r) => r.backend === backend && r.variant === 'ganvas ring')!;
    const hand = report.rows.find((r) => r.backend === backend && r.variant === 'handwritten ring')!;
    console.log(`${backend}: ganvas ${JSON.stringify(ganvas.perStep)}; handwritten ${JSON.stringify(hand.perStep)}`);
    expect(ganvas.firstStepCompilations, backend).toBeGreaterThan(0); // the counters do count
    expect(ganvas.maxCompilationsInAStep, `${backend}: compilations after warm-up`).toBe(0);
    expect(ganvas.perStep.reads, `${backend}: GPU-to-CPU reads per step`).toBe(1);
    expect(ganvas.perStep.syncReads, `${backend}: synchronous reads per step`).toBe(0);
    expect(ganvas.perStep.dispatches, `${backend}: dispatches per step`).toBeLessThanOrEqual(
      1.1 * hand.perStep.dispatches,
    );
  }
  // On a software adapter ganvas picks tfjs-webgpu's packed matmul program (see backend.ts).
  expect(report.rows.find((r) => r.backend === 'webgpu')?.matmulProgram).toBe(3);
});
