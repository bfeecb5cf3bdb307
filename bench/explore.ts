/**
 * The latent explorer's update time in the page (WASM, in the training
 * worker): reads the timings tests/e2e/explore.spec.ts writes
 * (explore-timings.json in each test's output) and records them with the
 * machine's load. Run the spec first: E2E_PORT=5291 node tests/e2e/run.mjs explore.spec.ts
 */
import { execSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSection } from './common.js';

const root = 'test-results/e2e';
const runs = readdirSync(root)
  .filter((d) => d.startsWith('explore-'))
  .flatMap((d) => {
    try {
      return [
        JSON.parse(readFileSync(join(root, d, 'explore-timings.json'), 'utf8')) as { template: string; ms: number[] },
      ];
    } catch {
      return [];
    }
  });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const section = {
  what: 'latent explorer update (request to pixels in the worker: latents, generator on WASM, read back, picture); 1 WASM thread; Chromium headless',
  load: execSync('uptime').toString().trim(),
  templates: Object.fromEntries(
    runs.map((r) => [r.template, { updates: r.ms.length, medianMs: median(r.ms), maxMs: Math.max(...r.ms), ms: r.ms }]),
  ),
  target: 'under 100 ms per update (issue 17)',
};
writeSection('explore', section);
console.log(JSON.stringify(section, null, 2));
