import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';

test('the DCGAN 64x64 template shows its shapes and parameter counts', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Template').selectOption('dcgan.json');
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
  await page
    .getByLabel('Open project file')
    .setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(project)) });
  await expect(page.getByTestId('status')).toHaveText('1 error');
  await expect(page.getByTestId('node-conv')).toContainText("RANK: Conv2D 'conv' needs a rank-4 input");
  // User text is shown as text, never as HTML.
  await expect(page.locator('.gv-project-name')).toHaveText('broken <b>bold</b>');
  await expect(page.locator('.gv-project-name b')).toHaveCount(0);
  await page.getByTestId('problems').getByRole('button').first().click();
  await page.screenshot({ path: test.info().outputPath('broken.png') });

  // A file that is not a project is refused with its located problems; the project open stays (issue 13).
  await page.getByLabel('Open project file').setInputFiles({
    name: 'garbage.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{"format": "ganvas/1",\n  oops'),
  });
  await expect(page.getByTestId('refused')).toContainText('JSON_SYNTAX');
  await expect(page.getByTestId('refused')).toContainText('line 2');
  await expect(page.getByTestId('node-conv')).toBeVisible();
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

test('edit in the inspector: a shape error appears on the node, undo and redo, invalid values refused in place', async ({
  page,
}) => {
  await page.goto('/');
  await page.getByLabel('Template').selectOption('dcgan-mnist.json');
  await expect(page.getByTestId('status')).toHaveText('valid');
  await page.getByTestId('node-g_reshape').click();
  const shape = page.getByLabel('shape', { exact: true });
  await expect(shape).toHaveValue('7, 7, 64');
  await shape.fill('7, 7, 32');
  await shape.press('Enter');
  await expect(page.getByTestId('status')).not.toHaveText('valid');
  await expect(page.getByTestId('node-g_reshape')).toContainText("SHAPE: Reshape 'g_reshape'");
  await page.screenshot({ path: test.info().outputPath('shape-error.png') });
  // Undo and redo, from the keyboard, with the canvas focused.
  await page.getByTestId('canvas').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('status')).toHaveText('valid');
  await expect(page.getByTestId('node-g_reshape')).not.toContainText('SHAPE');
  await page.keyboard.press('Control+Shift+z');
  await expect(page.getByTestId('node-g_reshape')).toContainText('SHAPE');
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByTestId('status')).toHaveText('valid');

  // An invalid value is refused where it is typed and changes nothing.
  await page.getByTestId('node-g_fc').click();
  const units = page.getByLabel('units', { exact: true });
  await units.fill('-5');
  await units.press('Enter');
  await expect(page.getByRole('alert').filter({ hasText: 'units must be a whole number from 1' })).toBeVisible();
  await expect(page.getByTestId('status')).toHaveText('valid');
  await expect(page.getByTestId('node-g_fc')).toContainText('[B,3136]');

  // Add a node from the palette: it has an unconnected input until wired; undo removes it.
  await page.getByLabel('Search nodes').fill('leaky');
  await page.getByRole('button', { name: 'Add LeakyReLU' }).click();
  await expect(page.getByTestId('node-leakyrelu_1')).toContainText('UNCONNECTED_INPUT');
  await page.getByTestId('canvas').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('node-leakyrelu_1')).toHaveCount(0);
  await expect(page.getByTestId('status')).toHaveText('valid');

  // Delete a node with the keyboard: its edges go with it, and one undo brings all back.
  await page.getByTestId('node-g_tanh').click();
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('node-g_tanh')).toHaveCount(0);
  await expect(page.getByTestId('status')).not.toHaveText('valid');
  await page.getByTestId('canvas').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('node-g_tanh')).toBeVisible();
  await expect(page.getByTestId('status')).toHaveText('valid');

  // Saving writes the edited project.
  await page.getByTestId('node-g_fc').click();
  await page.getByLabel('units', { exact: true }).fill('3136');
  await page.getByTestId('node-z').click();
  const dim = page.getByLabel('dim', { exact: true });
  await dim.fill('32');
  await dim.press('Enter');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Save project' }).click();
  const { readFileSync } = await import('node:fs');
  const saved = JSON.parse(readFileSync(await (await download).path(), 'utf8'));
  expect(saved.models.generator.nodes.find((n: { id: string }) => n.id === 'z').params.dim).toBe(32);
});

test('autosave: an edit survives a reload, and Discard goes back to the template', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('status')).toHaveText('valid');
  await page.getByTestId('node-z').click();
  const dim = page.getByLabel('dim', { exact: true });
  await dim.fill('32');
  await dim.press('Enter');
  await expect(page.getByTestId('node-z')).toContainText('[B,32]');
  await page.waitForTimeout(800); // the autosave is written 300 ms after the edit
  await page.reload();
  await expect(page.getByTestId('restored')).toBeVisible();
  await expect(page.getByTestId('node-z')).toContainText('[B,32]');
  await page.getByTestId('restored').getByRole('button', { name: 'Discard' }).click();
  await expect(page.getByTestId('node-z')).toContainText('[B,64]');
  await page.reload();
  await expect(page.getByTestId('node-z')).toContainText('[B,64]');
  await expect(page.getByTestId('restored')).toHaveCount(0);
});

test('select several nodes, copy and paste them, group them into a block, and open models from the training graph', async ({
  page,
}) => {
  await page.goto('/');
  await page.getByLabel('Template').selectOption('toy-ring.json');
  await expect(page.getByTestId('status')).toHaveText('valid');
  // Multi-select with Ctrl+click, copy, paste: fresh ids, one undo step.
  await page.getByTestId('node-g_fc1').click();
  await page.getByTestId('node-g_act1').click({ modifiers: ['Control'] });
  await page.keyboard.press('Control+c');
  await page.keyboard.press('Control+v');
  await expect(page.getByTestId('node-dense_1')).toBeVisible();
  await expect(page.getByTestId('node-relu_1')).toBeVisible();
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('node-dense_1')).toHaveCount(0);
  // Group the selection into a block: the model keeps its parameter count; the block gets a tab.
  const totals = await page.getByTestId('model-totals').textContent();
  await page.getByTestId('node-g_fc1').click();
  await page.getByTestId('node-g_act1').click({ modifiers: ['Control'] });
  await page.getByLabel('Block name').fill('hidden');
  await page.getByRole('button', { name: 'Group into block' }).click();
  await expect(page.getByTestId('node-hidden')).toContainText('Block');
  await expect(page.getByTestId('status')).toHaveText('valid');
  await expect(page.getByTestId('model-totals')).toHaveText(totals!);
  await page.getByRole('tab', { name: 'block:hidden' }).click();
  await expect(page.getByTestId('node-g_fc1')).toBeVisible();
  // A model call in the training graph opens its model.
  await page.getByRole('tab', { name: 'training' }).click();
  await page.getByTestId('node-D_real').getByRole('button', { name: 'Open model discriminator' }).click();
  await expect(page.getByRole('tab', { name: 'discriminator' })).toHaveAttribute('aria-selected', 'true');
});

test('import a TF.js model.json as a model of the project', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('status')).toHaveText('valid');
  const topology = {
    modelTopology: {
      class_name: 'Sequential',
      config: {
        name: 'mlp',
        layers: [
          {
            class_name: 'Dense',
            config: { name: 'hidden', units: 32, activation: 'relu', batch_input_shape: [null, 8] },
          },
          { class_name: 'Dense', config: { name: 'score', units: 1 } },
        ],
      },
    },
  };
  await page.getByLabel('Import model.json').setInputFiles({
    name: 'scorer.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(topology)),
  });
  await expect(page.getByRole('tab', { name: 'scorer' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('model-totals')).toContainText('321 trainable');
  await expect(page.getByTestId('node-hidden')).toContainText('[B,32]');
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByRole('tab', { name: 'scorer' })).toHaveCount(0);
  await page.getByLabel('Import model.json').setInputFiles({
    name: 'rnn.json',
    mimeType: 'application/json',
    buffer: Buffer.from(
      JSON.stringify({
        modelTopology: {
          class_name: 'Sequential',
          config: { layers: [{ class_name: 'LSTM', config: { name: 'rnn', batch_input_shape: [null, 3, 2] } }] },
        },
      }),
    ),
  });
  await expect(page.getByRole('alert').filter({ hasText: "Layer 'rnn' (LSTM)" })).toBeVisible();
});

test('dropping a wire on empty canvas offers only the nodes that fit, and wires the one chosen', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Template').selectOption('toy-ring.json');
  await expect(page.getByTestId('status')).toHaveText('valid');
  const handle = page.getByTestId('node-g_act1').locator('.react-flow__handle.source');
  const box = (await handle.boundingBox())!;
  const canvas = (await page.getByTestId('canvas').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(canvas.x + canvas.width - 60, canvas.y + 60, { steps: 8 });
  await page.mouse.up();
  const dialog = page.getByRole('dialog', { name: 'Nodes that fit' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Dense', exact: true })).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Conv2D', exact: true })).toHaveCount(0);
  await dialog.getByRole('button', { name: 'Dense', exact: true }).click();
  await expect(page.getByTestId('node-dense_1')).toContainText('[B,128]');
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByTestId('node-dense_1')).toHaveCount(0);
});

test('Export TS downloads the same standalone script as ganvas export', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Template').selectOption('toy-ring.json');
  await expect(page.getByTestId('status')).toHaveText('valid');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export TS' }).click();
  const d = await download;
  expect(d.suggestedFilename()).toBe('toy-ring.train.ts');
  const text = readFileSync(await d.path(), 'utf8');
  expect(text).toContain("import * as tf from '@tensorflow/tfjs';");
  expect(text).toContain('function build_generator(): tf.LayersModel {');
  const cli = spawnSync(process.execPath, ['bin/ganvas.js', 'export', 'templates/toy-ring.json'], {
    cwd: process.cwd(),
    encoding: 'utf8',
  });
  expect(cli.status).toBe(0);
  expect(text).toBe(cli.stdout);
});

test('opening a template is one undo step; double-clicking a model call opens its model', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('status')).toHaveText('valid');
  await expect(page.getByRole('button', { name: 'Undo' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Undo' })).toHaveAttribute('title', 'Undo (Ctrl+Z)');
  await page.getByLabel('Template').selectOption('toy-ring.json');
  await expect(page.getByTestId('node-g_fc1')).toBeVisible();
  await page.getByTestId('canvas').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+z');
  await expect(page.getByLabel('Template')).toHaveValue('dcgan-mnist.json');
  await expect(page.getByTestId('node-g_reshape')).toBeVisible();
  await page.keyboard.press('Control+y');
  await expect(page.getByLabel('Template')).toHaveValue('toy-ring.json');
  await page.getByRole('tab', { name: 'training' }).click();
  await page.getByTestId('node-G').dblclick();
  await expect(page.getByRole('tab', { name: 'generator' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('node-g_fc1')).toBeVisible();
});
