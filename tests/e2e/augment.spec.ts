import { expect, type Page, test } from '@playwright/test';

/**
 * The Augment node (issue 17.2) in the editor: added from the palette to the
 * DCGAN's training graph, one on D's real input and one on its fake input,
 * ADA switched on in the inspector, and a few steps trained in the panel,
 * which charts ADA's p and r_t.
 */

/** Drags a wire from one node's output handle to another node's input handle. */
async function wire(page: Page, from: string, fromPort: string, to: string, toPort: string): Promise<void> {
  const src = page.getByTestId(`node-${from}`).locator(`.react-flow__handle.source[data-handleid="${fromPort}"]`);
  const dst = page.getByTestId(`node-${to}`).locator(`.react-flow__handle.target[data-handleid="${toPort}"]`);
  const a = (await src.boundingBox())!;
  const b = (await dst.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 10 });
  await page.mouse.up();
}

test('Augment from the palette on both of D inputs, ADA on in the inspector: the panel charts p and r_t', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await page.goto('/');
  await page.getByLabel('Template').selectOption('dcgan-mnist.json');
  await expect(page.getByTestId('status')).toHaveText('valid');
  await page.getByRole('tab', { name: 'training' }).click();

  // Two Augment nodes from the palette; unwired, each has an unconnected input.
  await page.getByLabel('Search nodes').fill('augment');
  const add = page.getByRole('button', { name: 'Add Augment' });
  await add.click();
  await add.click();
  await expect(page.getByTestId('node-augment_1')).toContainText('UNCONNECTED_INPUT');
  await expect(page.getByTestId('node-augment_2')).toBeVisible();

  // Wired between the data and D's call on real digits, and between G and D's call on fakes: an input takes one
  // edge, so the old wires into D_real and D_fake are replaced.
  await wire(page, 'mnist', 'x', 'augment_1', 'in');
  await wire(page, 'augment_1', 'out', 'D_real', 'x');
  await wire(page, 'G', 'digit', 'augment_2', 'in');
  await wire(page, 'augment_2', 'out', 'D_fake', 'x');
  await expect(page.getByTestId('status')).toHaveText('valid');
  await expect(page.getByTestId('node-augment_1')).not.toContainText('UNCONNECTED_INPUT');
  await expect(page.getByTestId('node-augment_2')).not.toContainText('UNCONNECTED_INPUT');

  // ADA on in the inspector, on both, with p moving fast enough to see in a few steps
  // (p moves by batch * interval / speed = 64 * 2 / 640 = 0.2 per adjustment).
  for (const id of ['augment_1', 'augment_2']) {
    await page.getByTestId(`node-${id}`).click();
    await page.getByLabel('ada', { exact: true }).check();
    for (const [name, value] of [
      ['policies', 'translation, cutout'],
      ['p', '0'],
      ['adaInterval', '2'],
      ['adaSpeed', '640'],
    ] as const) {
      const field = page.getByLabel(name, { exact: true });
      await field.fill(value);
      await field.press('Enter');
    }
  }
  await expect(page.getByTestId('status')).toHaveText('valid');
  await page.screenshot({ path: test.info().outputPath('augment-graph.png') });
  // The saved project has the Augment nodes between the data and D, and between G and D, with ADA's settings.
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Save project' }).click();
  const { readFileSync } = await import('node:fs');
  const saved = JSON.parse(readFileSync(await (await download).path(), 'utf8')) as {
    training: {
      nodes: { id: string; type: string; params?: Record<string, unknown> }[];
      edges: { source: string; sourcePort?: string; target: string; targetPort?: string }[];
    };
  };
  const into = (target: string, port: string) =>
    saved.training.edges
      .filter((e) => e.target === target && (e.targetPort ?? 'in') === port)
      .map((e) => `${e.source}.${e.sourcePort ?? 'out'}`);
  expect(into('augment_1', 'in')).toEqual(['mnist.x']);
  expect(into('D_real', 'x')).toEqual(['augment_1.out']);
  expect(into('augment_2', 'in')).toEqual(['G.digit']);
  expect(into('D_fake', 'x')).toEqual(['augment_2.out']);
  for (const id of ['augment_1', 'augment_2'])
    expect(saved.training.nodes.find((n) => n.id === id)?.params).toMatchObject({
      policies: ['translation', 'cutout'],
      p: 0,
      ada: true,
      adaInterval: 2,
      adaSpeed: 640,
    });

  // Trained a few steps on WASM: ADA's p and r_t are charted step by step.
  await page.getByRole('button', { name: 'Training panel' }).click();
  await page.getByLabel('Backend').selectOption('wasm');
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByTestId('train-step')).toHaveText(/step ([6-9]|\d{2,})/, { timeout: 180_000 });
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('train-status')).toHaveText('stopped', { timeout: 30_000 });
  const chart = page.getByTestId('chart-ADA p, r_t = E[sign D(real)]');
  await expect(chart).toContainText('ada/p');
  await expect(chart).toContainText('ada/rt');
  expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThanOrEqual(6);
  // ADA's rule: p moves in steps of 0.2 from 0, clipped to [0,1]; r_t is a mean of signs; the last move followed r_t.
  const last = JSON.parse((await chart.getAttribute('data-last'))!) as Record<string, number>;
  console.log(`ADA after ${await page.getByTestId('train-step').textContent()}: ${JSON.stringify(last)}`);
  const p = last['ada/p']!;
  const rt = last['ada/rt']!;
  expect(rt).toBeGreaterThanOrEqual(-1);
  expect(rt).toBeLessThanOrEqual(1);
  expect(p).toBeGreaterThanOrEqual(0);
  expect(p).toBeLessThanOrEqual(1);
  expect(Math.abs(p / 0.2 - Math.round(p / 0.2))).toBeLessThan(1e-4);
  if (rt > 0.6) expect(p).toBeGreaterThan(0.1);
  if (rt < 0.6) expect(p).toBeLessThan(0.9);
  await chart.scrollIntoViewIfNeeded();
  await page.screenshot({ path: test.info().outputPath('augment-training.png') });
});

test('a small dataset in the panel: the first N digits, saved in the project, refused when not a count', async ({
  page,
}) => {
  await page.goto('/');
  await page.getByLabel('Template').selectOption('dcgan-mnist-ada-200.json');
  await expect(page.getByTestId('status')).toHaveText('valid');
  await page.getByRole('button', { name: 'Training panel' }).click();
  const count = page.getByLabel('Digits of mnist');
  await expect(count).toHaveValue('200');
  await count.fill('fifty');
  await count.press('Enter');
  await expect(page.getByTestId('data-controls').getByRole('alert')).toHaveText(
    'a whole number of digits from 1, or empty for all',
  );
  await count.fill('50');
  await count.press('Enter');
  await expect(page.getByTestId('data-controls').getByRole('alert')).toHaveCount(0);
  await page.screenshot({ path: test.info().outputPath('digit-count.png') });
  const saved = async () => {
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Save project' }).click();
    const { readFileSync } = await import('node:fs');
    const p = JSON.parse(readFileSync(await (await download).path(), 'utf8')) as {
      training: { nodes: { type: string; params?: Record<string, unknown> }[] };
    };
    return p.training.nodes.find((n) => n.type === 'Dataset')?.params;
  };
  expect(await saved()).toMatchObject({ source: 'mnist', count: 50 });
  // Empty: all the digits again (no count in the project).
  await count.fill('');
  await count.press('Enter');
  expect(await saved()).not.toHaveProperty('count');
  await expect(count).toHaveAttribute('placeholder', 'all');
});
