/**
 * Soak in the page: templates/toy-ring.json trained for 20,000 steps (or
 * --steps N) on WASM inside a module Web Worker of Debian's Chromium, as the
 * training panel runs it, with a sample and a checkpoint saved, decoded and
 * restored every 500 steps (tests/fixtures/ring-loop-worker.ts, the worker of
 * the browser leak test too). At each of those points the worker stops, idle,
 * while the page measures its memory, the worker's included
 * (performance.measureUserAgentSpecificMemory after a forced GC, bounded by a
 * timeout); the time of each phase is kept apart. Prints each point as it
 * comes; writes bench/results.json (key pageSoak). Never fails on a number.
 *
 *   npx tsx bench/page-soak.ts [--steps N]
 */
import { loadavg } from 'node:os';
import type { LoopMessage, LoopPoint, LoopRequest } from '../tests/fixtures/ring-loop-worker.js';
import { launchChromium, machine, startServer, writeSection } from './common.js';

const stepsArg = process.argv.indexOf('--steps');
const steps = stepsArg > 0 ? Number(process.argv[stepsArg + 1]) : 20_000;
const every = 500;
/** A memory measurement that takes longer is given up (recorded as such). */
const MEASURE_TIMEOUT_MS = 10_000;

interface Point extends LoopPoint {
  /** The page's memory, its worker included, after a forced GC; absent where the measurement failed or timed out. */
  memoryMiB?: number;
  measureMs: number;
  measureError?: string;
  load1: number;
}

const server = await startServer(5197);
// Measuring memory at once when asked (not at the next GC), and gc() in the page and the worker.
const browser = await launchChromium(['--enable-blink-features=ForceEagerMeasureMemory', '--js-flags=--expose-gc']);
const wallStart = Date.now();
try {
  const page = await browser.newPage();
  const points: Point[] = [];
  await page.exposeFunction('soakPoint', (p: Point) => {
    p.load1 = loadavg()[0] as number;
    points.push(p);
    const mem = p.memoryMiB !== undefined ? `memory ${p.memoryMiB.toFixed(1)} MiB` : `memory n/a (${p.measureError})`;
    console.log(
      `step ${p.step}/${steps}: ${mem}, wasm heap ${p.wasmHeapMiB?.toFixed(1)} MiB, ${p.tensors} tensors, ` +
        `${(p.bytes / 1024).toFixed(1)} KiB, ${p.stepsPerSecond.toFixed(1)} steps/s; train ${(p.trainMs / 1000).toFixed(1)} s, ` +
        `sample ${p.sampleMs.toFixed(0)} ms, checkpoint ${p.checkpointMs.toFixed(0)} ms, memory ${p.measureMs.toFixed(0)} ms, ` +
        `load ${p.load1.toFixed(2)}`,
    );
  });
  await page.goto('http://127.0.0.1:5197/');
  const request: LoopRequest = {
    backend: 'wasm',
    cycles: Math.floor(steps / every),
    stepsPerCycle: every,
    sampleSize: 256,
    pause: true,
  };
  const { end, isolated, gcExposed } = await page.evaluate(
    ({ request, timeoutMs }) =>
      new Promise<{ end: LoopMessage; isolated: boolean; gcExposed: boolean }>((resolve) => {
        const gc = (globalThis as { gc?: () => void }).gc;
        const perf = performance as Performance & {
          measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }>;
        };
        const report = (window as unknown as { soakPoint: (p: unknown) => Promise<void> }).soakPoint;
        const w = new Worker('/tests/fixtures/ring-loop-worker.ts', { type: 'module' });
        w.onmessage = async (e: MessageEvent<LoopMessage>) => {
          if (!('point' in e.data)) {
            resolve({ end: e.data, isolated: crossOriginIsolated, gcExposed: gc !== undefined });
            w.terminate();
            return;
          }
          // The worker waits, idle, until told to go on.
          const t0 = performance.now();
          gc?.();
          // Bounded: measureUserAgentSpecificMemory waits for every context of the page to answer.
          // (No named function expressions in here: tsx would wrap them in __name, unknown to the page.)
          let timer: ReturnType<typeof setTimeout> | undefined;
          let m: { bytes?: number; error?: string };
          if (!perf.measureUserAgentSpecificMemory) m = { error: 'measureUserAgentSpecificMemory missing' };
          else
            try {
              m = await Promise.race([
                perf.measureUserAgentSpecificMemory().then((r) => ({ bytes: r.bytes })),
                new Promise<{ error: string }>(
                  (r) => (timer = setTimeout(() => r({ error: `timed out after ${timeoutMs} ms` }), timeoutMs)),
                ),
              ]);
            } catch (err) {
              m = { error: (err as Error).message };
            } finally {
              clearTimeout(timer);
            }
          const measureMs = performance.now() - t0;
          await report({
            ...e.data.point,
            ...(m.bytes !== undefined ? { memoryMiB: m.bytes / 2 ** 20 } : { measureError: m.error }),
            measureMs,
          });
          w.postMessage({ resume: true });
        };
        w.onerror = (e) => resolve({ end: { error: e.message }, isolated: crossOriginIsolated, gcExposed: false });
        w.postMessage(request);
      }),
    { request, timeoutMs: MEASURE_TIMEOUT_MS },
  );
  if ('error' in end) throw new Error(end.error);
  if (!('done' in end)) throw new Error('the worker ended without its report');
  const wallSeconds = (Date.now() - wallStart) / 1000;
  const sum = (f: (p: Point) => number) => points.reduce((a, p) => a + f(p), 0);
  const max = (f: (p: Point) => number | undefined) => {
    const xs = points.map(f).filter((x): x is number => x !== undefined);
    return xs.length > 0 ? Math.max(...xs) : undefined;
  };
  const soak = {
    backend: end.backend,
    steps: points.length * every,
    every,
    seconds: end.seconds,
    wallSeconds,
    crossOriginIsolated: isolated,
    gcExposed: { page: gcExposed, worker: end.gcExposed },
    measureTimeoutMs: MEASURE_TIMEOUT_MS,
    measurementsFailed: points.filter((p) => p.memoryMiB === undefined).length,
    /** Where the time went, summed over all points, in seconds. */
    phases: {
      train: sum((p) => p.trainMs) / 1000,
      sample: sum((p) => p.sampleMs) / 1000,
      checkpoint: sum((p) => p.checkpointMs) / 1000,
      memory: sum((p) => p.measureMs) / 1000,
    },
    start: points[0],
    end: points[points.length - 1],
    maxTensors: max((p) => p.tensors),
    maxMemoryMiB: max((p) => p.memoryMiB),
    maxWasmHeapMiB: max((p) => p.wasmHeapMiB),
    before: end.before,
    afterDispose: end.afterDispose,
    /** Every point, for the trend. */
    points: points.map((p) => ({
      step: p.step,
      tensors: p.tensors,
      bytes: p.bytes,
      memoryMiB: p.memoryMiB,
      wasmHeapMiB: p.wasmHeapMiB,
      stepsPerSecond: p.stepsPerSecond,
      load1: p.load1,
    })),
  };
  console.log(JSON.stringify({ ...soak, points: undefined }));
  writeSection('pageSoak', { machine: machine({ browser: `Chromium ${browser.version()}` }), soak });
} finally {
  await browser.close();
  await server.close();
}
