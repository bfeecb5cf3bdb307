import { expect, test } from '@playwright/test';

test('opens with the DCGAN template, its shapes and parameter counts', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('status')).toHaveText('valid');
  await expect(page.getByRole('tab', { name: 'generator' })).toHaveAttribute('aria-selected', 'true');
  const deconv = page.getByTestId('node-g_deconv1');
  await expect(deconv).toContainText('ConvTranspose2D');
  await expect(deconv).toContainText('[B,4,4,512]');
  await expect(deconv).toContainText('819,200 params');
  await expect(page.getByTestId('model-totals')).toContainText('3,576,704 trainable');
  await page.getByRole('tab', { name: 'discriminator' }).click();
  await expect(page.getByTestId('node-d_conv5')).toContainText('[B,1,1,1]');
  await page.getByRole('tab', { name: 'training' }).click();
  await expect(page.getByTestId('node-loss')).toContainText('non-saturating');
  await page.screenshot({ path: test.info().outputPath('dcgan-training.png') });
});

test('a broken project opens with its errors on the nodes and in the problems list', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('status')).toHaveText('valid');
  const project = {
    format: 'ganvas/1',
    name: 'broken <b>bold</b>',
    models: {
      generator: {
        nodes: [
          { id: 'z', type: 'Noise', params: { dim: 8 } },
          { id: 'fc', type: 'Dense', params: { units: 16 } },
          { id: 'conv', type: 'Conv2D', params: { filters: 4 } },
          { id: 'out', type: 'Output' },
        ],
        edges: [
          { source: 'z', target: 'fc' },
          { source: 'fc', target: 'conv' },
          { source: 'conv', target: 'out' },
        ],
      },
    },
  };
  await page.getByLabel('Open project file').setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(project)) });
  await expect(page.getByTestId('status')).toHaveText('1 error');
  await expect(page.getByTestId('node-conv')).toContainText("RANK: Conv2D 'conv' needs a rank-4 input");
  // User text is shown as text, never as HTML.
  await expect(page.locator('.gv-project-name')).toHaveText('broken <b>bold</b>');
  await expect(page.locator('.gv-project-name b')).toHaveCount(0);
  await page.getByTestId('problems').getByRole('button').first().click();
  await page.screenshot({ path: test.info().outputPath('broken.png') });

  await page.getByLabel('Open project file').setInputFiles({ name: 'garbage.json', mimeType: 'application/json', buffer: Buffer.from('{"format": "ganvas/1",\n  oops') });
  await expect(page.getByTestId('problems')).toContainText('JSON_SYNTAX');
  await expect(page.getByTestId('problems')).toContainText('line 2');
});

test('every template opens valid, and saving it round-trips to the same project', async ({ page }) => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const { projectSchema } = await import('../../src/core/project/schema.js');
  await page.goto('/');
  const files = readdirSync('templates').filter((f) => f.endsWith('.json'));
  expect(files.length).toBeGreaterThanOrEqual(8);
  for (const file of files) {
    await page.getByLabel('Template').selectOption(file);
    await expect(page.getByTestId('status'), file).toHaveText('valid');
    await expect(page.getByRole('tab').first()).toBeVisible();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Save project' }).click();
    const saved = readFileSync(await (await download).path(), 'utf8');
    const original = projectSchema.parse(JSON.parse(readFileSync(`templates/${file}`, 'utf8')));
    expect(projectSchema.parse(JSON.parse(saved)), file).toEqual(original);
  }
  await page.getByLabel('Template').selectOption('cyclegan.json');
  await page.getByRole('tab', { name: 'G_AB' }).click();
  await expect(page.getByTestId('node-res')).toContainText('Block');
  await page.screenshot({ path: test.info().outputPath('cyclegan.png') });
});
