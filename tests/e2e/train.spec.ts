import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { PNG } from 'pngjs';

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
  expect(backend).toMatch(/^(webgpu|webgl|wasm|cpu) /);
  // The chart has drawn, and the sample pictures of both runs exist and refresh.
  await expect(page.getByTestId('loss-chart').locator('canvas')).toHaveCount(1);
  const samples = page.getByTestId('samples-0');
  await expect(page.getByTestId('samples-1')).toBeVisible();
  // The 2D picture says what its colours mean: real and generated points, D's verdict behind them.
  await expect(page.getByTestId('samples-legend')).toContainText('real');
  await expect(page.getByTestId('samples-legend')).toContainText('generated');
  await expect(page.getByTestId('samples-legend')).toContainText('D says fake');
  const v1 = Number(await samples.getAttribute('data-version'));
  await expect
    .poll(async () => Number(await samples.getAttribute('data-version')), { timeout: 60_000 })
    .toBeGreaterThan(v1);
  // Every loss term, D(real)/D(fake) and the gradient norms are charted too.
  await expect(page.getByTestId('chart-loss terms')).toContainText('D/gp');
  await expect(page.getByTestId('chart-gradient norms')).toContainText('|grad G|');
  await expect(page.getByTestId('chart-D(real) / D(fake) (mean logit)')).toBeVisible();
  // The quality figure of 2D mixtures, modes covered, is charted at each sample picture.
  await expect(page.getByTestId('chart-modes covered')).toContainText('modes covered');
  await expect
    .poll(async () => Number(await page.getByTestId('chart-modes covered').getAttribute('data-points')), {
      timeout: 60_000,
    })
    .toBeGreaterThanOrEqual(2);
  // Pause holds the step; resume continues.
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('train-status')).toHaveText('paused');
  // The step in flight at the pause still lands (at once on WASM, whose steps take milliseconds here).
  await page.waitForTimeout(1500);
  const paused = await page.getByTestId('train-step').textContent();
  await page.waitForTimeout(1000);
  await expect(page.getByTestId('train-step')).toHaveText(paused!);
  await page.getByRole('button', { name: 'Resume', exact: true }).click();
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
  // 'stopping' until the step in flight ends (seconds on SwiftShader's WebGPU): then the step shown is the checkpoint's.
  await expect(page.getByTestId('train-status')).toHaveText(/^stopp(ing|ed)$/);
  await expect(page.getByTestId('train-status')).toHaveText('stopped', { timeout: 60_000 });
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
  await page.getByRole('button', { name: 'Resume', exact: true }).click();
  await expect(page.getByTestId('train-step')).not.toHaveText(`step ${stepAtSave}`, { timeout: 60_000 });
});

/** A folder of n 20x24 RGB PNGs, each a bright disc at a different place on black. */
function imageFolder(dir: string, n: number): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    const png = new PNG({ width: 20, height: 24 });
    const cx = 5 + (i % 10);
    const cy = 6 + ((i * 7) % 12);
    for (let y = 0; y < 24; y++)
      for (let x = 0; x < 20; x++) {
        const o = (y * 20 + x) * 4;
        const v = (x - cx) ** 2 + (y - cy) ** 2 < 16 ? 255 : 0;
        png.data[o] = v;
        png.data[o + 1] = v;
        png.data[o + 2] = v;
        png.data[o + 3] = 255;
      }
    writeFileSync(join(dir, `disc-${String(i).padStart(2, '0')}.png`), PNG.sync.write(png));
  }
  writeFileSync(join(dir, 'notes.txt'), 'not an image');
}

test('data: the dataset is checked against the model, digits train on WASM with FID charted, a folder of images trains', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await page.goto('/');
  await page.getByLabel('Template').selectOption('dcgan-mnist.json');
  await expect(page.getByTestId('status')).toHaveText('valid');
  await page.getByRole('button', { name: 'Training panel' }).click();
  const dataset = page.getByLabel('Dataset mnist');
  await expect(dataset).toHaveValue('mnist');
  await expect(page.getByTestId('data-shape-mnist')).toHaveText('x [28,28,1], label [1]');
  // 2D points do not fit a model of 28x28x1 images: the project's validation says so and training is refused.
  await dataset.selectOption('ring');
  await expect(page.getByTestId('status')).not.toHaveText('valid');
  await expect(page.getByTestId('train-blocked')).toContainText('Fix the project');
  await expect(page.getByRole('button', { name: 'Start' })).toBeDisabled();
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(dataset).toHaveValue('mnist');
  await expect(page.getByTestId('status')).toHaveText('valid');

  // Digits on the WASM backend (its binaries served by the page), with the FID over time.
  await page.getByLabel('Backend').selectOption('wasm');
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByTestId('train-step')).toHaveText(/step ([3-9]|\d{2,})/, { timeout: 120_000 });
  await expect(page.getByTestId('train-backend')).toHaveText(/^wasm \(forced wasm\)/);
  await expect
    .poll(
      async () => Number(await page.getByTestId('chart-FID (digits, lower is better)').getAttribute('data-points')),
      { timeout: 60_000 },
    )
    .toBeGreaterThanOrEqual(1);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('train-status')).toHaveText('stopped', { timeout: 30_000 });

  // A folder of images: decoded at the model's 28x28x1, the non-image skipped, the dataset switched to it.
  const dir = test.info().outputPath('discs');
  imageFolder(dir, 30);
  await page.getByLabel('Choose image folder').setInputFiles(dir);
  await expect(page.getByTestId('folder-status')).toHaveText('discs: 30 images at 28x28x1');
  await expect(dataset).toHaveValue('folder');
  await expect(page.getByTestId('status')).toHaveText('valid');
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByTestId('train-step')).toHaveText(/step ([3-9]|\d{2,})/, { timeout: 120_000 });
  await expect(page.getByTestId('samples-0')).toBeVisible();
  await page.getByRole('button', { name: 'Stop' }).click();
  await page.screenshot({ path: test.info().outputPath('folder-training.png') });
});

test('WASM training runs in a worker: a long StyleGAN step does not stop the page from painting', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('/');
  await page.getByLabel('Template').selectOption('stylegan-lite.json');
  await expect(page.getByTestId('status')).toHaveText('valid');
  await page.getByRole('button', { name: 'Training panel' }).click();
  await page.getByLabel('Backend').selectOption('wasm');
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByTestId('train-backend')).toContainText('in a worker', { timeout: 60_000 });
  // One StyleGAN-lite step at batch 32 takes many seconds on WASM here; on the page's thread no frame would be drawn meanwhile.
  const longestGap = await page.evaluate(
    'new Promise((done) => { let last = performance.now(), worst = 0; const end = last + 3000; const tick = (t) => { worst = Math.max(worst, t - last); last = t; if (t < end) requestAnimationFrame(tick); else done(worst); }; requestAnimationFrame(tick); })',
  );
  console.log(`longest gap between frames while training: ${Number(longestGap).toFixed(0)} ms`);
  expect(Number(longestGap)).toBeLessThan(1000);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('train-status')).toHaveText('paused');
  await expect(page.getByTestId('train-step')).not.toHaveText('step 0', { timeout: 120_000 });
  await page.getByRole('button', { name: 'Stop' }).click();
});

test('compare with one param changed: a broken change is refused with the reason, a valid one trains beside the original', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await page.getByLabel('Template').selectOption('toy-ring.json');
  await expect(page.getByTestId('status')).toHaveText('valid');
  await page.getByRole('button', { name: 'Training panel' }).click();
  await page.getByLabel('Backend').selectOption('wasm');
  const change = page.getByLabel('Compare with a param change');
  await change.fill('generator/g_out.units = 3');
  await expect(page.getByLabel('Compare with loss')).toBeDisabled();
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByRole('alert')).toContainText('generator/g_out.units = 3: the project has errors');
  await expect(page.getByTestId('train-status')).toHaveText('failed');
  await change.fill('opt_G.learningRate = 0.0001');
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByTestId('train-step')).toHaveText(/step (\d{2,})/, { timeout: 60_000 });
  await page.getByRole('button', { name: 'Stop' }).click();
  const rows = page.getByTestId('stability').locator('tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText('as is');
  await expect(rows.nth(1)).toContainText('opt_G.learningRate = 0.0001');
  // Same seed and data, another G learning rate: the runs' G losses part ways.
  const g = async (i: number) => (await rows.nth(i).locator('td').nth(3).textContent())!;
  expect(await g(0)).not.toBe(await g(1));
  await expect(page.getByTestId('samples-1')).toBeVisible();
});

test('a project that cannot start yet says why beside a disabled Start: a folder dataset with no folder chosen', async ({
  page,
}) => {
  await page.goto('/');
  await page.getByLabel('Template').selectOption('dcgan.json');
  await expect(page.getByTestId('status')).toHaveText('valid');
  await page.getByRole('button', { name: 'Training panel' }).click();
  await expect(page.getByRole('button', { name: 'Start' })).toBeDisabled();
  await expect(page.getByTestId('train-blocked')).toContainText('folder of images');
  await page.screenshot({ path: 'test-results/e2e/train-blocked-folder.png' });
});

test('hostile input in the panel: a project over the memory budget cannot start; a damaged checkpoint is refused and the run kept', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.goto('/');
  // The ring with a generator layer of 60,000 x 60,000 weights: 3.6e9 parameters, over every backend's budget.
  const ring = JSON.parse(readFileSync('templates/toy-ring.json', 'utf8'));
  const fc = ring.models.generator.nodes.find((n: { type: string }) => n.type === 'Dense');
  fc.params.units = 60_000;
  const next = ring.models.generator.nodes.filter((n: { type: string }) => n.type === 'Dense')[1];
  next.params.units = 60_000;
  await page.getByLabel('Open project file').setInputFiles({
    name: 'huge.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(ring)),
  });
  await page.getByRole('button', { name: 'Training panel' }).click();
  await expect(page.getByRole('button', { name: 'Start' })).toBeDisabled();
  await expect(page.getByTestId('train-blocked')).toContainText('budget');
  await expect(page.getByTestId('train-blocked')).toContainText('parameters');

  // The ring as it is trains; a damaged checkpoint offered while it is paused says what is wrong, and the run stays.
  await page.getByLabel('Template').selectOption('toy-ring.json');
  await page.getByLabel('Backend').selectOption('wasm');
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByTestId('train-step')).toHaveText(/step ([3-9]|\d{2,})/, { timeout: 60_000 });
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('train-status')).toHaveText('paused');
  await page.waitForTimeout(1_500); // the step in flight lands
  const step = await page.getByTestId('train-step').textContent();
  await page.getByLabel('Resume from checkpoint').setInputFiles({
    name: 'damaged.gnvs',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from('GNVS this is not a checkpoint at all'),
  });
  await expect(page.getByRole('alert').filter({ hasText: 'checkpoint damaged.gnvs:' })).toBeVisible();
  await expect(page.getByTestId('train-status')).toHaveText('paused');
  await expect(page.getByTestId('train-step')).toHaveText(step as string);
  await page.screenshot({ path: 'test-results/e2e/train-hostile.png' });
});

test('early stopping in the panel: the ring stops on its quality figure, says why and which step was best, charts the learning rate, and offers the best generator', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await page.goto('/');
  // minDelta beyond the ring's figure (0 to 9): only the first evaluation improves, so the run stops at step 3 x 5.
  const ring = JSON.parse(readFileSync('templates/toy-ring.json', 'utf8'));
  ring.training.settings = { ...ring.training.settings, batchSize: 32, dStepsPerGStep: 1 };
  ring.training.settings.earlyStopping = { every: 5, patience: 2, minDelta: 100 };
  for (const n of ring.training.nodes)
    if (n.id === 'opt_G') n.params = { ...n.params, schedule: 'cosine', warmupSteps: 4, decaySteps: 30 };
  await page.getByLabel('Open project file').setInputFiles({
    name: 'ring-early.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(ring)),
  });
  await expect(page.getByTestId('status')).toHaveText('valid');
  await page.getByRole('button', { name: 'Training panel' }).click();
  await page.getByLabel('Backend').selectOption('wasm');
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByTestId('train-status')).toHaveText('stopped', { timeout: 120_000 });
  await expect(page.getByTestId('train-step')).toHaveText('step 15');
  const why =
    /stopped at step 15: modes covered \+ high-quality share did not improve by more than 100 for 2 evaluations; best [\d.]+ at step 5/;
  await expect(page.getByRole('alert')).toHaveText(why);
  await expect(page.getByTestId('train-best')).toHaveText(
    /^Best modes covered \+ high-quality share [\d.]+ at step 5; stopped early$/,
  );
  // The learning rates, G's warm-up and cosine beside D's constant rate.
  await expect(page.getByTestId('chart-learning rate')).toContainText('lr/opt_G');
  await expect(page.getByTestId('chart-learning rate')).toContainText('lr/opt_D');
  expect(Number(await page.getByTestId('chart-learning rate').getAttribute('data-points'))).toBe(15);
  // The best generator (step 5) and its checkpoint download.
  const model = page.waitForEvent('download', (d) => d.suggestedFilename() === 'generator-best.json');
  const ckpt = page.waitForEvent('download', (d) => d.suggestedFilename() === 'checkpoint-best.gnvs');
  await page.getByTestId('download-best').click();
  await expect(page.getByTestId('download-best')).toHaveText('Download best generator (step 5)');
  expect(JSON.parse(readFileSync(await (await model).path(), 'utf8')).format).toBe('layers-model');
  expect(
    readFileSync(await (await ckpt).path())
      .subarray(0, 4)
      .toString('latin1'),
  ).toBe('GNVS');
  await page.screenshot({ path: test.info().outputPath('early-stop.png') });
});
