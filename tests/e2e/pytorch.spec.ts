import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import '@tensorflow/tfjs-backend-cpu';
import { expect, type Page, test } from '@playwright/test';
import { compileModel } from '../../src/core/compile/model';
import { encodeSafetensors, type NamedArray } from '../../src/core/train/safetensors';
import { validateProjectText } from '../../src/core/validate';

/**
 * The editor's side of the PyTorch export (issue 16): Export PyTorch downloads
 * the same train.py as `ganvas export --target pytorch`, and generator weights
 * in TensorFlow.js names and layouts (what that script saves as
 * generator.safetensors; made here with known values, no Python needed) load
 * back into the training panel and show samples; a damaged file is refused
 * with its message and the samples stay.
 */
test('Export PyTorch downloads the same train.py as ganvas export --target pytorch', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Template').selectOption('toy-ring.json');
  await expect(page.getByTestId('status')).toHaveText('valid');
  const button = page.getByRole('button', { name: 'Export PyTorch' });
  // Shown as "Export [TS] [PyTorch]" in the header.
  await expect(button).toHaveText('PyTorch');
  // Reachable from the keyboard: focus it and press Enter.
  await button.focus();
  const download = page.waitForEvent('download');
  await page.keyboard.press('Enter');
  const d = await download;
  expect(d.suggestedFilename()).toBe('train.py');
  const text = readFileSync(await d.path(), 'utf8');
  expect(text).toContain('import torch.nn as nn');
  const cli = spawnSync(
    process.execPath,
    ['bin/ganvas.js', 'export', 'templates/toy-ring.json', '--target', 'pytorch'],
    {
      cwd: process.cwd(),
      encoding: 'utf8',
    },
  );
  expect(cli.status).toBe(0);
  expect(text).toBe(cli.stdout);
});

/** dcgan-mnist's generator weights, every value from `f(index, weight number)`; BatchNorm's variance and scale 1. */
function generatorFile(f: (i: number, k: number) => number, step: number): Buffer {
  const text = readFileSync('templates/dcgan-mnist.json', 'utf8');
  const a = validateProjectText(text);
  const model = compileModel(a.models.get('generator')!);
  const tensors: NamedArray[] = model.weights.map((w, k) => {
    const shape = w.shape as number[];
    const n = shape.reduce((x, y) => x * y, 1);
    const one = /moving_variance|gamma/.test(w.originalName);
    return { name: w.originalName, shape, data: Float32Array.from({ length: n }, (_, i) => (one ? 1 : f(i, k))) };
  });
  model.dispose();
  const meta = { project: a.project!.name!, model: 'generator', step: String(step), layout: 'tfjs' };
  return Buffer.from(encodeSafetensors(tensors, meta));
}

const picture = (page: Page) =>
  page.getByTestId('samples-0').evaluate((c: HTMLCanvasElement) => c.toDataURL('image/png'));
const version = async (page: Page) => Number((await page.getByTestId('samples-0').getAttribute('data-version')) ?? 0);

test('generator weights from a .safetensors file show their samples; a damaged file is refused', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await page.getByLabel('Template').selectOption('dcgan-mnist.json');
  await expect(page.getByTestId('status')).toHaveText('valid');
  await page.getByRole('button', { name: 'Training panel' }).click();
  await expect(page.getByTestId('train-status')).toHaveText('idle');
  const load = page.getByLabel('Load generator weights (.safetensors)');
  const save = page.getByRole('button', { name: 'Save generator weights (.safetensors)' });
  await expect(save).toBeDisabled();

  // Weights A: samples appear, captioned with the file and its step.
  const a = generatorFile((i, k) => 0.05 * Math.sin(i * 0.37 + k), 120);
  await load.setInputFiles({ name: 'a.safetensors', mimeType: 'application/octet-stream', buffer: a });
  await expect(page.getByRole('alert')).toHaveText('Loaded a.safetensors (step 120): samples shown.', {
    timeout: 60_000,
  });
  await expect(page.locator('figcaption').first()).toHaveText('a.safetensors (step 120)');
  await expect.poll(() => version(page)).toBeGreaterThan(0);
  const pa = await picture(page);
  const va = await version(page);
  await page.locator('section.gv-train').screenshot({ path: '/tmp/editor-pt-panel.png' });

  // Weights B: other values, other pictures.
  const b = generatorFile((i, k) => 0.05 * Math.cos(i * 0.11 - k), 7);
  await load.setInputFiles({ name: 'b.safetensors', mimeType: 'application/octet-stream', buffer: b });
  await expect(page.getByRole('alert')).toHaveText('Loaded b.safetensors (step 7): samples shown.');
  await expect.poll(() => version(page)).toBeGreaterThan(va);
  const pb = await picture(page);
  expect(pb).not.toBe(pa);

  // Saved back, they are the same weights: the file differs from B only in its step (a session of its own is at 0).
  await expect(save).toBeEnabled();
  const download = page.waitForEvent('download');
  await save.click();
  const saved = readFileSync(await (await download).path());
  expect(saved.length).toBe(b.length);
  expect(saved.subarray(saved.length - 1000)).toEqual(b.subarray(b.length - 1000));

  // A damaged file (cut short): refused with what is wrong, and the samples stay B's.
  const vb = await version(page);
  await load.setInputFiles({
    name: 'cut.safetensors',
    mimeType: 'application/octet-stream',
    buffer: b.subarray(0, 5000),
  });
  await expect(page.getByRole('alert')).toContainText('cut.safetensors: damaged or not a safetensors file: tensor');
  await expect(page.getByRole('alert')).toContainText('do not fit its shape');
  expect(await version(page)).toBe(vb);
  expect(await picture(page)).toBe(pb);
  await expect(page.locator('figcaption').first()).toHaveText('b.safetensors (step 7)');
  await page.locator('section.gv-train').screenshot({ path: '/tmp/editor-pt-refused.png' });
});
