/**
 * Soak in the page: templates/toy-ring.json trained for 20,000 steps (or
 * --steps N) on WASM inside a module Web Worker of Debian's Chromium, as the
 * training panel runs it, with a sample and a checkpoint saved, decoded and
 * restored every 500 steps (bench/page-soak-worker.ts). Prints each point as
 * it comes; writes bench/results.json (key pageSoak). Never fails on a number.
 *
 *   npx tsx bench/page-soak.ts [--steps N]
 */
import { launchChromium, machine, startServer, writeSection } from './common.js';

const stepsArg = process.argv.indexOf('--steps');
const steps = stepsArg > 0 ? Number(process.argv[stepsArg + 1]) : 20_000;
const every = 500;

interface Point {
  step: number;
  tensors: number;
  tensorMiB: number;
  heapMiB?: number;
  stepsPerSecond: number;
}

const server = await startServer(5197);
// Measuring memory at once when asked (performance.measureUserAgentSpecificMemory).
const browser = await launchChromium(['--enable-blink-features=ForceEagerMeasureMemory']);
try {
  const page = await browser.newPage();
  const points: Point[] = [];
  await page.exposeFunction('soakPoint', async (p: Point) => {
    // The page's memory, its worker included (cross-origin isolated pages only).
    const bytes = await page.evaluate(async () => {
      const perf = performance as Performance & { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }> };
      return perf.measureUserAgentSpecificMemory ? (await perf.measureUserAgentSpecificMemory()).bytes : undefined;
    });
    if (bytes !== undefined) p.heapMiB = bytes / 2 ** 20;
    points.push(p);
    const heap = p.heapMiB !== undefined ? `heap ${p.heapMiB.toFixed(1)} MiB, ` : '';
    console.log(
      `step ${p.step}/${steps}: ${heap}${p.tensors} tensors, ${(p.tensorMiB * 1024).toFixed(1)} KiB, ` +
        `${p.stepsPerSecond.toFixed(1)} steps/s`,
    );
  });
  await page.goto('http://127.0.0.1:5197/');
  const end = await page.evaluate(
    ({ steps, every }) =>
      new Promise<{ seconds?: number; leftAfterDispose?: number; error?: string; isolated: boolean }>((resolve) => {
        const w = new Worker('/bench/page-soak-worker.ts', { type: 'module' });
        const report = (window as unknown as { soakPoint: (p: unknown) => Promise<void> }).soakPoint;
        let chain = Promise.resolve();
        w.onmessage = (e) => {
          // In order: each point is measured and recorded before the end is reported.
          chain = chain.then(async () => {
            if (e.data.point) await report(e.data.point);
            else {
              resolve({ ...e.data, isolated: crossOriginIsolated });
              w.terminate();
            }
          });
        };
        w.onerror = (e) => resolve({ error: e.message, isolated: crossOriginIsolated });
        w.postMessage({ steps, every });
      }),
    { steps, every },
  );
  if (end.error) throw new Error(end.error);
  const soak = {
    backend: 'wasm',
    steps,
    every,
    seconds: end.seconds,
    crossOriginIsolated: end.isolated,
    start: points[0],
    end: points[points.length - 1],
    maxTensors: Math.max(...points.map((p) => p.tensors)),
    maxHeapMiB: points.some((p) => p.heapMiB !== undefined)
      ? Math.max(...points.map((p) => p.heapMiB ?? 0))
      : undefined,
    leftAfterDispose: end.leftAfterDispose,
  };
  console.log(JSON.stringify(soak));
  writeSection('pageSoak', { machine: machine({ browser: browser.version() }), soak });
} finally {
  await browser.close();
  await server.close();
}
