/**
 * Auto's choice in Debian's Chromium (headless, no GPU: WebGPU and WebGL are SwiftShader): per template,
 * what auto measured (one training step of the project on each candidate) and what it picked, as the
 * training panel reports it, and whether the page is cross-origin isolated (WASM threads). Writes
 * bench/results.json (key autoChoice). Never fails on a number.
 *
 *   npx tsx bench/auto-choice.ts [--templates a.json,b.json]
 */
import { launchChromium, machine, startServer, writeSection } from './common.js';

const PORT = 5191;
const arg = process.argv.indexOf('--templates');
const templates = arg > 0 ? (process.argv[arg + 1] ?? '').split(',') : ['toy-ring.json', 'dcgan-mnist.json'];
const server = await startServer(PORT);
const browser = await launchChromium();
const rows: { template: string; reported: string; isolated: boolean; startSeconds: number }[] = [];
try {
  for (const template of templates) {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${PORT}/`);
    await page.getByLabel('Template').selectOption(template);
    await page
      .getByTestId('status')
      .filter({ hasText: /^valid$/ })
      .waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Training panel' }).click();
    const t0 = performance.now();
    await page.getByRole('button', { name: 'Start' }).click();
    await page
      .getByTestId('train-step')
      .filter({ hasText: /step [1-9]/ })
      .waitFor({ timeout: 300_000 });
    const startSeconds = (performance.now() - t0) / 1000;
    const reported = (await page.getByTestId('train-backend').textContent()) ?? '';
    const isolated = await page.evaluate(() => globalThis.crossOriginIsolated);
    console.log(`${template}: ${reported} (first step after ${startSeconds.toFixed(1)} s)`);
    rows.push({ template, reported, isolated, startSeconds });
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}
writeSection('autoChoice', {
  machine: machine({ browser: 'Debian Chromium, headless, --enable-unsafe-webgpu' }),
  rows,
});
