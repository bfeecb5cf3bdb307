import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';

/**
 * Training from the page: the 2D toy template trains, the charts and the
 * sample view update, pause holds, resume continues, and a second run with
 * another loss trains beside it. The backend used is reported, not assumed.
 */
test('trains the 2D toy GAN in the page, pauses and resumes, and compares two losses', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('/');
  await page.getByLabel('Template').selectOption('toy-ring.json');
  await expect(page.getByTestId('status')).toHaveText('valid');
  await page.getByRole('button', { name: 'Training panel' }).click();
  await page.getByLabel('Compare with loss').selectOption('minimax');
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByTestId('train-status')).toHaveText('running');
  await expect(page.getByTestId('train-step')).toHaveText(/step ([4-9]|\d{2,})/, { timeout: 120_000 });
  const backend = await page.getByTestId('train-backend').textContent();
  console.log(`trained on: ${backend}`);
  expect(backend).toMatch(/^(webgpu|webgl|cpu) /);
  // The chart has drawn, and the sample pictures of both runs exist and refresh.
  await expect(page.getByTestId('loss-chart').locator('canvas')).toHaveCount(1);
  const samples = page.getByTestId('samples-0');
  await expect(page.getByTestId('samples-1')).toBeVisible();
  const v1 = Number(await samples.getAttribute('data-version'));
  await expect.poll(async () => Number(await samples.getAttribute('data-version')), { timeout: 60_000 }).toBeGreaterThan(v1);
  // Every loss term, D(real)/D(fake) and the gradient norms are charted too.
  await expect(page.getByTestId('chart-loss terms')).toContainText('D/gp');
  await expect(page.getByTestId('chart-gradient norms')).toContainText('|grad G|');
  await expect(page.getByTestId('chart-D(real) / D(fake) (mean logit)')).toBeVisible();
  // Pause holds the step; resume continues.
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('train-status')).toHaveText('paused');
  const paused = await page.getByTestId('train-step').textContent();
  await page.waitForTimeout(1000);
  await expect(page.getByTestId('train-step')).toHaveText(paused!);
  await page.getByRole('button', { name: 'Resume' }).click();
  await expect(page.getByTestId('train-step')).not.toHaveText(paused!, { timeout: 30_000 });
  await page.screenshot({ path: test.info().outputPath('training.png') });
  // The scrubber goes back to earlier sample pictures.
  const scrubber = page.getByLabel('Sample history');
  await scrubber.fill('0');
  await expect(page.locator('figcaption').first()).toContainText('(step ');
  // The comparison's stability table has a row per loss.
  await expect(page.getByTestId('stability').locator('tbody tr')).toHaveCount(2);
  await expect(page.getByTestId('stability')).toContainText('minimax');
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('train-status')).toHaveText('stopped');
  // Download the generator (tfjs format) and a checkpoint; resume from that checkpoint.
  const model = page.waitForEvent('download', (d) => d.suggestedFilename() === 'generator.json');
  const weights = page.waitForEvent('download', (d) => d.suggestedFilename() === 'generator.weights.bin');
  await page.getByRole('button', { name: 'Download generator' }).click();
  expect(JSON.parse(readFileSync(await (await model).path(), 'utf8')).format).toBe('layers-model');
  await weights;
  const ckpt = page.waitForEvent('download', (d) => d.suggestedFilename() === 'checkpoint.gnvs');
  await page.getByRole('button', { name: 'Save checkpoint' }).click();
  const path = await (await ckpt).path();
  const stepAtSave = Number((await page.getByTestId('train-step').textContent())!.replace('step ', ''));
  await page.getByLabel('Resume from checkpoint').setInputFiles(path);
  await expect(page.getByTestId('train-status')).toHaveText('paused');
  await expect(page.getByTestId('train-step')).toHaveText(`step ${stepAtSave}`);
  await page.getByRole('button', { name: 'Resume' }).click();
  await expect(page.getByTestId('train-step')).not.toHaveText(`step ${stepAtSave}`, { timeout: 60_000 });
});
