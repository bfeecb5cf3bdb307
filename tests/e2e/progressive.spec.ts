import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';

/**
 * Progressive growing in the editor (issue 17.1): the palette offers the
 * Progressive training node and the FadeIn layer with their docs, the
 * inspector their params; the ProGAN template, its schedule shortened to 2
 * steps per fade and per stage (32 images at batch 16), trains on WASM and the
 * panel shows the resolution rising 4x4 -> 8x8 -> 16x16 with the fades' alpha,
 * the sample pictures say the resolution they show, and the stage is charted.
 */

/** Every distinct text the stage line shows, in order, recorded in the page as React renders it. */
async function recordStages(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __stages: string[] };
    w.__stages = [];
    const panel = document.querySelector('.gv-train');
    const read = () => {
      const t = document.querySelector('[data-testid="train-stage-line-0"]')?.textContent ?? '';
      if (t && w.__stages[w.__stages.length - 1] !== t) w.__stages.push(t);
    };
    new MutationObserver(read).observe(panel as Node, { subtree: true, childList: true, characterData: true });
    read();
  });
}

test('progressive growing: palette, inspector, and the panel showing the stage, the fade alpha and the samples', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/');
  await page.getByLabel('Template').selectOption('progan-mnist.json');
  await expect(page.getByTestId('status')).toHaveText('valid');

  // The model palette lists FadeIn with its doc; its inspector offers the resolution it brings in.
  await page.getByLabel('Search nodes').fill('fade');
  const addFade = page.getByRole('button', { name: 'Add FadeIn: Fade-in (progressive)' });
  await expect(addFade).toBeVisible();
  await expect(addFade).toHaveAttribute('title', /out = old \+ alpha \(new - old\)/);
  await page.getByLabel('Search nodes').fill('');
  await page.getByTestId('node-fade16').click();
  await expect(page.getByLabel('resolution', { exact: true })).toHaveValue('16');

  // The training palette lists Progressive with its doc; its inspector offers the schedule.
  await page.getByRole('tab', { name: 'training' }).click();
  await page.getByLabel('Search nodes').fill('progressive');
  const addGrow = page.getByRole('button', { name: 'Add Progressive: Progressive growing' });
  await expect(addGrow).toBeVisible();
  await expect(addGrow).toHaveAttribute('title', /Karras et al\. 2018/);
  await page.getByLabel('Search nodes').fill('');
  await page.getByTestId('node-grow').click();
  await expect(page.getByLabel('startResolution', { exact: true })).toHaveValue('4');
  await expect(page.getByLabel('finalResolution', { exact: true })).toHaveValue('32');
  for (const [param, was] of [
    ['fadeImages', '16000'],
    ['stableImages', '16000'],
  ] as const) {
    const field = page.getByLabel(param, { exact: true });
    await expect(field).toHaveValue(was);
    await field.fill('32');
    await field.press('Enter');
    await expect(page.getByLabel(param, { exact: true })).toHaveValue('32');
  }
  // A start that does not double to the final resolution is the node's own diagnostic.
  const start = page.getByLabel('startResolution', { exact: true });
  await start.fill('3');
  await start.press('Enter');
  await expect(page.getByTestId('node-grow')).toContainText('startResolution 3 times 2, 4, 8');
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByTestId('status')).toHaveText('valid');
  await expect(page.getByLabel('startResolution', { exact: true })).toHaveValue('4');

  // Before a run, the panel says the plan in steps.
  await page.getByRole('button', { name: 'Training panel' }).click();
  const stage = page.getByTestId('train-stage');
  await expect(stage).toContainText(
    '4x4 to 32x32: each new resolution fades in over 2 steps, then trains 2 steps (batch 16); 32x32 in full from step 12',
  );

  // Train on WASM, recording every stage the panel shows.
  await page.getByLabel('Backend').selectOption('wasm');
  await recordStages(page);
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByTestId('train-backend')).toHaveText(/^wasm \(forced wasm\)/, { timeout: 60_000 });
  // 4x4 for 2 steps, the fade to 8x8 for 2 (alpha 0, 0.5), 8x8 for 2, the fade to 16x16, 16x16, the fade to 32x32.
  await expect(page.getByTestId('train-step')).toHaveText(/step (9|\d{2,})/, { timeout: 240_000 });
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('train-status')).toHaveText('paused');
  await page.waitForTimeout(500);
  // How it reads at 1280x800 and 1024x768: the stage, and the samples with their caption.
  for (const [width, height] of [
    [1280, 800],
    [1024, 768],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.getByTestId('samples-res-0').scrollIntoViewIfNeeded();
    await page.screenshot({ path: test.info().outputPath(`progressive-${width}x${height}.png`) });
  }

  const stages = await page.evaluate(() => (window as unknown as { __stages: string[] }).__stages);
  console.log(`stages shown:\n  ${stages.join('\n  ')}`);
  const at = (re: RegExp) => stages.findIndex((s) => re.test(s));
  const order = [
    at(/^training at 4x4 \(stable\) · 8x8 fades in from step 2$/),
    at(/^fading in 8x8, alpha 0\.50 · stable from step 4$/),
    at(/^training at 8x8 \(stable\) · 16x16 fades in from step 6$/),
    at(/^fading in 16x16, alpha 0\.50 · stable from step 8$/),
    at(/^training at 16x16 \(stable\) · 32x32 fades in from step 10$/),
  ];
  for (const i of order) expect(i, stages.join(' | ')).toBeGreaterThanOrEqual(0);
  expect([...order].sort((a, b) => a - b)).toEqual(order); // the resolution only rises
  // The strip marks the resolution in use.
  await expect(stage.locator('[aria-current="step"]')).toHaveText(/^(16x16|32x32)$/);

  // A sample grid is drawn (not blank), and says it shows the resolution of its step, enlarged.
  const samples = page.getByTestId('samples-0');
  await expect(samples).toHaveAttribute('data-version', /\d+/);
  const spread = await samples.evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let lo = 255;
    let hi = 0;
    for (let i = 0; i < d.length; i += 4) {
      lo = Math.min(lo, d[i]!);
      hi = Math.max(hi, d[i]!);
    }
    return { w: c.width, h: c.height, lo, hi };
  });
  expect(spread.w).toBeGreaterThanOrEqual(32);
  expect(spread.hi - spread.lo).toBeGreaterThan(20);
  await expect(page.getByTestId('samples-res-0')).toContainText(/samples at (16x16|32x32)/);
  // The first picture (step 1) was at 4x4.
  await page.getByLabel('Sample history').fill('0');
  await expect(page.locator('figcaption').first()).toContainText('(step 1)');
  await expect(page.getByTestId('samples-res-0')).toHaveText('samples at 4x4 (shown enlarged to 32x32)');
  // The stage's chart has a point per step.
  const chart = page.getByTestId('chart-progressive growing: log2 resolution, fade alpha');
  await expect(chart).toContainText('log2 resolution');
  expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThanOrEqual(9);
  await chart.scrollIntoViewIfNeeded();
  await page.screenshot({ path: test.info().outputPath('progressive-chart.png') });

  // The panel with the stage passes axe (no critical or serious violation).
  const axe = await new AxeBuilder({ page }).include('.gv-train').analyze();
  expect(axe.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious').map((v) => v.id)).toEqual([]);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('train-status')).toHaveText('stopped', { timeout: 60_000 });

  // Resumed from a checkpoint, the panel shows the stage of the checkpoint's step before any step is trained.
  const line = await page.getByTestId('train-stage-line-0').textContent();
  const step = await page.getByTestId('train-step').textContent();
  const ckpt = page.waitForEvent('download', (d) => d.suggestedFilename() === 'checkpoint.gnvs');
  await page.getByRole('button', { name: 'Save checkpoint' }).click();
  await page.getByLabel('Resume from checkpoint').setInputFiles(await (await ckpt).path());
  await expect(page.getByTestId('train-status')).toHaveText('paused', { timeout: 60_000 });
  await expect(page.getByTestId('train-step')).toHaveText(step!);
  await expect(page.getByTestId('train-stage-line-0')).toHaveText(line!);
});
