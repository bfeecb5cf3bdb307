/**
 * What a training step asks of the GPU in Debian's Chromium (headless; WebGPU and WebGL on SwiftShader here):
 * per step after warm-up, dispatches, pipeline/program compilations and GPU-to-CPU reads, for the ring
 * template through ganvas and written by hand with tfjs, and the DCGAN-MNIST template at batch 16. These
 * counts are the same on any GPU; the ms are SwiftShader's. On WebGPU the ganvas rows are measured twice:
 * with tfjs' own matmul programs (before) and with the packed one ganvas picks on a software adapter.
 * Writes bench/results.json (key gpuCounts).
 *
 *   npx tsx bench/gpu-counts.ts [--backends webgpu,webgl] [--no-dcgan] [--no-before]
 */
import { execSync } from 'node:child_process';
import type { CountsReport } from '../tests/e2e/gpu-counts.js';
import { launchChromium, machine, startServer, writeSection } from './common.js';

const PORT = 5193;
const arg = process.argv.indexOf('--backends');
const backends = arg > 0 ? (process.argv[arg + 1] ?? '').split(',') : ['webgpu', 'webgl'];
const dcganBatch = process.argv.includes('--no-dcgan') ? undefined : 16;
const load: string[] = [execSync('uptime').toString().trim()];
const server = await startServer(PORT);
const passes: Parameters<typeof import('../tests/e2e/gpu-counts').countSteps>[0][] = [];
if (backends.includes('webgpu') && !process.argv.includes('--no-before'))
  passes.push({ backends: ['webgpu'], dcganBatch, handwritten: false, matmulProgram: -1 });
passes.push({ backends, dcganBatch });
const report: CountsReport = { rows: [], perDispatchMs: [], errors: [] };
try {
  for (const opts of passes) {
    // A fresh browser per pass: the matmul flag and SwiftShader's state start over.
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error') console.log(`[page error] ${m.text().slice(0, 300)}`);
      });
      await page.goto(`http://127.0.0.1:${PORT}/`);
      const r = await page.evaluate(async (o) => {
        const path = '/tests/e2e/gpu-counts.ts';
        const m = (await import(/* @vite-ignore */ path)) as typeof import('../tests/e2e/gpu-counts');
        return m.countSteps({ ...o, warmup: 3, steps: 3 });
      }, opts);
      report.rows.push(...r.rows);
      report.perDispatchMs.push(...r.perDispatchMs);
      report.errors.push(...r.errors);
    } finally {
      await browser.close();
    }
    load.push(execSync('uptime').toString().trim());
  }
} finally {
  await server.close();
}
for (const r of report.rows)
  console.log(
    `${r.backend}${r.matmulProgram !== undefined ? ` (matmul ${r.matmulProgram})` : ''} ${r.variant}: ${JSON.stringify(r.perStep)} max compilations/step ${r.maxCompilationsInAStep}, first step ${r.firstStepCompilations}; ${r.msPerStep.toFixed(0)} ms/step`,
  );
for (const d of report.perDispatchMs) console.log(`${d.backend} ${d.op}: ${d.ms.toFixed(2)} ms per op`);
for (const e of report.errors) console.log(`error: ${e}`);
writeSection('gpuCounts', {
  machine: machine({
    browser: 'Debian Chromium, headless, --enable-unsafe-webgpu (SwiftShader WebGPU and WebGL)',
    load,
  }),
  ...report,
});
