import { expect, test } from '@playwright/test';

/**
 * Threads where there are cores (issue 14): the page is cross-origin isolated (vite sends COOP/COEP), so
 * SharedArrayBuffer exists and tfjs' WASM backend loads its threaded binary; the panel says how many threads.
 * On this 2-core machine tfjs uses one (hardwareConcurrency / 2); on an 8-core laptop, four.
 */
test('the page is cross-origin isolated and WASM training loads the threaded binary', async ({ page, context }) => {
  test.setTimeout(180_000);
  const wasm: string[] = [];
  context.on('request', (r) => {
    if (r.url().endsWith('.wasm')) wasm.push(new URL(r.url()).pathname.split('/').pop() ?? '');
  });
  const failed: string[] = [];
  context.on('requestfailed', (r) => failed.push(r.url()));
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  const response = await page.goto('/');
  expect(response?.headers()['cross-origin-opener-policy']).toBe('same-origin');
  expect(response?.headers()['cross-origin-embedder-policy']).toBe('require-corp');
  expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
  expect(await page.evaluate(() => typeof SharedArrayBuffer)).toBe('function');

  await page.getByLabel('Template').selectOption('toy-ring.json');
  await expect(page.getByTestId('status')).toHaveText('valid');
  await page.getByRole('button', { name: 'Training panel' }).click();
  await page.getByLabel('Backend').selectOption('wasm');
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByTestId('train-step')).toHaveText(/step ([2-9]|\d{2,})/, { timeout: 120_000 });
  const backend = (await page.getByTestId('train-backend').textContent()) ?? '';
  console.log(`isolated: ${backend}; wasm binaries: ${wasm.join(', ')}`);
  expect(backend).toMatch(/^wasm \(forced wasm\), \d+ WASM threads? \(cross-origin isolated\), in a worker/);
  expect(wasm).toContain('tfjs-backend-wasm-threaded-simd.wasm');
  expect(wasm.filter((w) => w !== 'tfjs-backend-wasm-threaded-simd.wasm')).toEqual([]);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('train-status')).toHaveText('stopped', { timeout: 60_000 });
  expect(failed).toEqual([]);
  expect(errors).toEqual([]);
});
