/**
 * Training speed in the page: steps/s of each template on each backend in
 * Debian's Chromium, through the real training panel (the samples it draws
 * every 10 steps or 1.5 s included, as a person sees it). Without a GPU,
 * Chromium's WebGPU and WebGL run on SwiftShader (software). Writes
 * bench/results.json (key browserTrain). Never fails on a number.
 *
 *   npx tsx bench/browser-train.ts [--quick] [--backends wasm,cpu] [--templates a.json,b.json]   (only those rows are measured again)
 */

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { ROOT } from '../src/cli/assets.js';
import { launchChromium, machine, readResults, startServer, writeSection } from './common.js';

const quick = process.argv.includes('--quick');
const listArg = (flag: string) =>
  process.argv.includes(flag) ? new Set(process.argv[process.argv.indexOf(flag) + 1]?.split(',')) : undefined;
const only = listArg('--backends');
const onlyTemplates = listArg('--templates');
const MEASURE_MS = quick ? 4000 : 10_000;
/** The longest wait for the first steps (model build, kernels compiled, first step). */
const FIRST_STEPS_MS = quick ? 30_000 : 60_000;

interface Row {
  template: string;
  backend: string;
  reported?: string;
  batch?: number;
  steps?: number;
  seconds?: number;
  stepsPerSecond?: number;
  note?: string;
}

const stepOf = async (page: Page) =>
  Number(((await page.getByTestId('train-step').textContent()) ?? 'step 0').replace('step ', ''));

async function measure(page: Page, template: string, backend: string): Promise<Row> {
  const row: Row = { template, backend };
  await page.goto('http://127.0.0.1:5189/');
  await page.getByLabel('Template').selectOption(template);
  await page.getByTestId('status').waitFor();
  await page.getByRole('button', { name: 'Training panel' }).click();
  await page.getByLabel('Backend').selectOption(backend);
  await page.getByRole('button', { name: 'Start' }).click();
  const deadline = Date.now() + FIRST_STEPS_MS;
  // Warm-up: the first two steps build the models and compile the kernels.
  while (Date.now() < deadline && (await stepOf(page)) < 2) {
    const alert = page.getByRole('alert');
    if (await alert.count()) {
      row.note = ((await alert.first().textContent()) ?? '').slice(0, 200);
      return row;
    }
    await page.waitForTimeout(250);
  }
  row.reported = ((await page.getByTestId('train-backend').textContent()) ?? '').trim();
  row.batch = Number(await page.getByTestId('batch-size').textContent());
  const s0 = await stepOf(page);
  if (s0 < 2) {
    row.note = `fewer than 2 steps in ${FIRST_STEPS_MS / 1000} s`;
    row.steps = s0;
    return row;
  }
  const t0 = Date.now();
  await page.waitForTimeout(MEASURE_MS);
  let s1 = await stepOf(page);
  while (s1 === s0 && Date.now() - t0 < FIRST_STEPS_MS) {
    await page.waitForTimeout(500);
    s1 = await stepOf(page);
  }
  const seconds = (Date.now() - t0) / 1000;
  await page.getByRole('button', { name: 'Stop' }).click();
  Object.assign(row, { steps: s1 - s0, seconds, stepsPerSecond: (s1 - s0) / seconds });
  return row;
}

const templates = readdirSync(join(ROOT, 'templates'))
  .filter((f) => f.endsWith('.json'))
  .sort();
const plan: [string, string][] = [];
for (const t of templates) for (const b of ['webgpu', 'wasm']) plan.push([t, b]);
// The slow fallbacks, on the small templates only.
for (const t of ['toy-ring.json', 'dcgan-mnist.json']) for (const b of ['webgl', 'cpu']) plan.push([t, b]);

const measured = plan.filter(([t, b]) => (!only || only.has(b)) && (!onlyTemplates || onlyTemplates.has(t)));
const server = await startServer(5189);
const rows: Row[] = [];
try {
  for (const [t, b] of measured) {
    // A fresh browser each time: a run cut short leaves SwiftShader's GPU process busy for minutes.
    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    let row: Row;
    try {
      row = await measure(page, t, b);
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0]!;
      // Playwright's actions wait for the page; a page busy in one long step does not answer.
      row = {
        template: t,
        backend: b,
        note: /Timeout \d+ms exceeded/.test(msg)
          ? "the page did not answer for 30 s (a long step on the page's thread)"
          : msg.slice(0, 200),
      };
    }
    await browser.close();
    rows.push(row);
    console.log(
      `${t} ${b}: ${row.stepsPerSecond !== undefined ? `${row.stepsPerSecond.toFixed(3)} steps/s (${row.steps} steps in ${row.seconds?.toFixed(1)} s; ${row.reported})` : row.note}`,
    );
  }
} finally {
  await server.close();
}
// With --backends, the other backends' rows stay as they were measured before.
const before = ((readResults().browserTrain as { rows?: Row[] } | undefined)?.rows ?? []).filter(
  (r) => !measured.some(([t, b]) => t === r.template && b === r.backend),
);
const all = plan
  .map(
    ([t, b]) =>
      rows.find((r) => r.template === t && r.backend === b) ?? before.find((r) => r.template === t && r.backend === b),
  )
  .filter((r): r is Row => r !== undefined);
writeSection('browserTrain', {
  machine: machine({
    browser: 'Debian Chromium, headless; WebGPU and WebGL on SwiftShader (no GPU); WASM and CPU in a Web Worker',
  }),
  measureMs: MEASURE_MS,
  rows: all,
});
