/**
 * Editor benchmarks in Debian's Chromium: time to first render and frame
 * rate while dragging a node of a 500-node graph; and, in Node, the time to
 * re-validate (shape inference included) after one edit. Writes
 * bench/results.json (merged by key). Never fails on a number.
 *
 *   npx tsx bench/editor.ts
 */
import { validateProjectValue } from '../src/core/validate.js';
import { chainProject } from '../tests/fixtures/big-graph.js';
import { launchChromium, machine, startServer, writeSection } from './common.js';

const results: Record<string, unknown> = {};

// Re-validation after one edit, in Node.
for (const n of [100, 500, 1000]) {
  const p = chainProject(n) as { models: { net: { nodes: { id: string; params?: Record<string, unknown> }[] } } };
  validateProjectValue(p);
  const times: number[] = [];
  for (let k = 0; k < 10; k++) {
    (p.models.net.nodes.find((x) => x.id === 'd1')!.params as Record<string, unknown>).units = 32 + (k % 2);
    const t0 = performance.now();
    validateProjectValue(p);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  results[`revalidate_${n}_ms_median`] = times[5];
}

// Frame rate while dragging, in Chromium.
const server = await startServer(5188);
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto('http://127.0.0.1:5188/');
  await page.getByTestId('status').waitFor();
  const t0 = Date.now();
  await page.getByLabel('Open project file').setInputFiles({
    name: 'big.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(chainProject(500))),
  });
  await page.getByTestId('node-out').waitFor({ state: 'attached' });
  results.first_render_500_ms = Date.now() - t0;
  const node = page.getByTestId('node-d1');
  const box = (await node.boundingBox())!;
  // A string, not a function: tsx's helpers do not exist in the page.
  await page.evaluate('window.frames_ = 0; (function tick() { window.frames_++; requestAnimationFrame(tick); })();');
  const start = Date.now();
  await page.mouse.move(box.x + 20, box.y + 10);
  await page.mouse.down();
  for (let k = 0; k < 120; k++) await page.mouse.move(box.x + 20 + k * 3, box.y + 10 + (k % 20) * 2);
  await page.mouse.up();
  const seconds = (Date.now() - start) / 1000;
  const frames = (await page.evaluate('window.frames_')) as number;
  results.drag_500_fps = frames / seconds;
  results.drag_500_seconds = seconds;
} finally {
  await browser.close();
  await server.close();
}

const editor = { machine: machine({ browser: 'Debian Chromium, headless, software rendering' }), ...results };
writeSection('editor', editor);
console.log(JSON.stringify(editor, null, 2));
