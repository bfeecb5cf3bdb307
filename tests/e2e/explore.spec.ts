import { writeFileSync } from 'node:fs';
import { expect, type Page, test } from '@playwright/test';

/**
 * The latent explorer tab: reached from the keyboard, it draws the
 * generator's picture for chosen seeds; a z slider changes the picture; the
 * same seed gives the same picture twice; a conditional model offers its
 * classes. Update times (WASM, in the page's worker) are written to
 * explore-timings.json in the test's output (bench/explore.ts records them).
 */
const pixels = (page: Page) =>
  page.getByTestId('explore-canvas').evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    return `${c.width}x${c.height}:${Array.from(d).join(',')}`;
  });

async function redrawn(page: Page, before: number, action: () => Promise<void>): Promise<number> {
  await action();
  const canvas = page.getByTestId('explore-canvas');
  await expect
    .poll(async () => Number(await canvas.getAttribute('data-version')), { timeout: 60_000 })
    .toBeGreaterThan(before);
  return Number(await page.getByTestId('explore-ms').textContent());
}

async function openExplore(page: Page, template: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Template').selectOption(template);
  await expect(page.getByTestId('status')).toHaveText('valid');
  await page.getByRole('button', { name: 'Training panel' }).click();
  // The panel has finished checking the new project (as in first-minutes' Tab test): focus then stays on the tab.
  await expect(page.getByRole('button', { name: 'Start' })).toBeEnabled({ timeout: 60_000 });
  const tab = page.getByRole('tab', { name: 'Explore' });
  await tab.focus();
  await page.keyboard.press('Enter');
  await expect(tab).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('explore-ms')).toBeVisible({ timeout: 60_000 });
}

test('explores dcgan-mnist: a slider changes the picture, the same seed gives the same picture', async ({ page }) => {
  test.setTimeout(180_000);
  await openExplore(page, 'dcgan-mnist.json');
  const canvas = page.getByTestId('explore-canvas');
  const version = async () => Number(await canvas.getAttribute('data-version'));
  const first = await pixels(page);
  expect(first.startsWith('92x92:')).toBe(true); // 9 seeds, 3x3 grid of 28x28 with gutters
  // A slider over z[0] changes the picture.
  const timings: number[] = [];
  for (const v of ['1', '2', '-1.5', '3']) {
    timings.push(await redrawn(page, await version(), () => page.getByTestId('explore-dim-0').fill(v)));
  }
  const moved = await pixels(page);
  expect(moved).not.toBe(first);
  // The same seed twice: one picture; another seed: another.
  await page.getByLabel('Set these dimensions').uncheck();
  const seeds = page.getByLabel('Seeds', { exact: true });
  timings.push(await redrawn(page, await version(), () => seeds.fill('3')));
  const three = await pixels(page);
  timings.push(await redrawn(page, await version(), () => seeds.fill('4')));
  expect(await pixels(page)).not.toBe(three);
  timings.push(await redrawn(page, await version(), () => seeds.fill('3')));
  expect(await pixels(page)).toBe(three);
  // Interpolation between two seeds at t, spherical.
  await page.getByLabel('Interpolate between two seeds').check();
  await expect(page.getByTestId('explore-caption')).toContainText('seed 0, t = 0.50, seed 1', { timeout: 30_000 });
  const mid = await pixels(page);
  timings.push(await redrawn(page, await version(), () => page.getByTestId('explore-t').fill('0.8')));
  expect(await pixels(page)).not.toBe(mid);
  // Truncation.
  await page.getByLabel('Redraw z entries beyond |psi| (BigGAN)').check();
  timings.push(await redrawn(page, await version(), () => page.getByTestId('explore-psi').fill('0.3')));
  await page.getByLabel('Seeds', { exact: true }).waitFor({ state: 'attached' });
  await page.getByLabel('Grid of seeds').check();
  await seeds.fill('0-8');
  await expect(page.getByTestId('explore-caption')).toContainText('9 samples', { timeout: 30_000 });
  await page.screenshot({ path: test.info().outputPath('explore.png'), fullPage: true });
  console.log(`explore update ms (dcgan-mnist): ${timings.join(', ')}`);
  writeFileSync(
    test.info().outputPath('explore-timings.json'),
    JSON.stringify({ template: 'dcgan-mnist', ms: timings, userAgent: await page.evaluate(() => navigator.userAgent) }),
  );
});

test('explores conditional-mnist: the class changes the picture', async ({ page }) => {
  test.setTimeout(180_000);
  await openExplore(page, 'conditional-mnist.json');
  const canvas = page.getByTestId('explore-canvas');
  const before = await pixels(page);
  const timings: number[] = [];
  timings.push(
    await redrawn(page, Number(await canvas.getAttribute('data-version')), async () => {
      await page.getByLabel('Class', { exact: true }).selectOption('7');
    }),
  );
  expect(await pixels(page)).not.toBe(before);
  for (const v of ['1', '-1', '2'])
    timings.push(
      await redrawn(page, Number(await canvas.getAttribute('data-version')), () =>
        page.getByTestId('explore-dim-1').fill(v),
      ),
    );
  console.log(`explore update ms (conditional-mnist): ${timings.join(', ')}`);
  writeFileSync(
    test.info().outputPath('explore-timings.json'),
    JSON.stringify({ template: 'conditional-mnist', ms: timings }),
  );
});
