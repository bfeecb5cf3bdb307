import { expect, test } from '@playwright/test';

/**
 * Long sessions in the page: the loop the training panel's worker runs
 * (train, sample, save a checkpoint, restore it), ten times, on WASM and on
 * CPU inside a real module Web Worker: the worker's tf.memory() after ten
 * cycles equals that after two, and disposing the trainer gives back every
 * tensor and byte it took.
 */
for (const backend of ['wasm', 'cpu'] as const) {
  test(`no tensor leaks across train/sample/save/restore cycles in the page's worker (${backend})`, async ({
    page,
  }) => {
    test.setTimeout(120_000);
    await page.goto('/');
    const r = await page.evaluate(
      (b) =>
        new Promise<{ ok: boolean; error?: string; report?: import('./leak-worker').LeakReport }>((resolve) => {
          const w = new Worker('/tests/e2e/leak-worker.ts', { type: 'module' });
          w.onmessage = (e) => {
            resolve(e.data);
            w.terminate();
          };
          w.onerror = (e) => resolve({ ok: false, error: e.message });
          w.postMessage({ backend: b, cycles: 10 });
        }),
      backend,
    );
    expect(r.error).toBeUndefined();
    const rep = r.report!;
    console.log(
      `${backend}: ${JSON.stringify(rep.cycles.map((c) => c.tensors))}, after dispose ${rep.afterDispose.tensors}`,
    );
    expect(rep.backend).toBe(backend);
    expect(rep.cycles).toHaveLength(10);
    expect(rep.cycles[9]).toEqual(rep.cycles[1]);
    expect(rep.afterDispose).toEqual({ tensors: rep.before, bytes: rep.beforeBytes });
  });
}
