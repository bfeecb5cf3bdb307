import { expect, test } from '@playwright/test';
import type { LoopMessage, LoopPoint, LoopRequest } from '../fixtures/ring-loop-worker';

/**
 * Long sessions in the page: the loop the training panel's worker runs
 * (train, sample, save a checkpoint, restore it), ten times, on WASM and on
 * CPU inside a real module Web Worker (tests/fixtures/ring-loop-worker.ts,
 * the worker of the page soak too): the worker's tf.memory() after ten
 * cycles equals that after two, and disposing the trainer gives back every
 * tensor and byte it took.
 */
for (const backend of ['wasm', 'cpu'] as const) {
  test(`no tensor leaks across train/sample/save/restore cycles in the page's worker (${backend})`, async ({
    page,
  }) => {
    test.setTimeout(120_000);
    await page.goto('/');
    const request: LoopRequest = {
      backend,
      cycles: 10,
      stepsPerCycle: 2,
      sampleSize: 64,
      trainer: { batchSize: 16, emaDecay: 0.9 },
    };
    const r = await page.evaluate(
      (req) =>
        new Promise<{ points: LoopPoint[]; end: LoopMessage }>((resolve) => {
          const points: LoopPoint[] = [];
          const w = new Worker('/tests/fixtures/ring-loop-worker.ts', { type: 'module' });
          w.onmessage = (e: MessageEvent<LoopMessage>) => {
            if ('point' in e.data) points.push(e.data.point);
            else {
              resolve({ points, end: e.data });
              w.terminate();
            }
          };
          w.onerror = (e) => resolve({ points, end: { error: e.message } });
          w.postMessage(req);
        }),
      request,
    );
    if ('error' in r.end) throw new Error(r.end.error);
    if (!('done' in r.end)) throw new Error('no end');
    const cycles = r.points.map((p) => ({ tensors: p.tensors, bytes: p.bytes }));
    console.log(
      `${backend}: ${JSON.stringify(cycles.map((c) => c.tensors))}, after dispose ${r.end.afterDispose.tensors}`,
    );
    expect(r.end.backend).toBe(backend);
    expect(cycles).toHaveLength(10);
    expect(cycles[9]).toEqual(cycles[1]);
    expect(r.end.afterDispose).toEqual(r.end.before);
  });
}
