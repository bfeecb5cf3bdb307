/**
 * Issue 13, "The first ten minutes": each point a new user ran into, clicked
 * through on the real page. Screenshots go under test-results/.
 */
import { expect, type Page, test } from '@playwright/test';

const shot = (page: Page, name: string) => page.screenshot({ path: test.info().outputPath(`${name}.png`) });

/** Clicks an empty corner of the canvas, so that keys go to the editor and not to a field. */
const focusCanvas = (page: Page) => page.getByTestId('canvas').click({ position: { x: 5, y: 5 } });

test.describe('never lose work', () => {
  test('a file that is not a project is refused with its located problems; the project stays', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByTestId('status')).toHaveText('valid');
    await page.getByTestId('node-g_fc').click();
    await page.getByLabel('units', { exact: true }).fill('1568');
    await page.getByLabel('units', { exact: true }).press('Enter');
    await expect(page.getByTestId('status')).not.toHaveText('valid');
    // Open a TypeScript file.
    await page.getByLabel('Open project file').setInputFiles({
      name: 'train.ts',
      mimeType: 'text/typescript',
      buffer: Buffer.from("import * as tf from '@tensorflow/tfjs';\nconst x = 1;\n"),
    });
    const refused = page.getByTestId('refused');
    await expect(refused).toContainText('train.ts is not a ganvas project');
    await expect(refused).toContainText('JSON_SYNTAX');
    await expect(refused).toContainText('line 1');
    await expect(page.getByTestId('node-g_fc')).toBeVisible(); // the edited project is still open
    await expect(page.getByTestId('status')).not.toHaveText('valid');
    await shot(page, 'refused-open');
    // Drop JSON that is not a project: refused too, and the edit is still one Undo away.
    const drop = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File([JSON.stringify({ hello: 'world' })], 'package.json', { type: 'application/json' }));
      return dt;
    });
    await page.getByTestId('canvas').dispatchEvent('drop', { dataTransfer: drop });
    await expect(refused).toContainText('package.json is not a ganvas project');
    await expect(page.getByTestId('node-g_fc')).toBeVisible();
    // Hostile files (issue 15): bytes that are not UTF-8, a __proto__ key, nesting past the limit: refused too.
    const { readFileSync: read } = await import('node:fs');
    const dcgan = read('templates/dcgan-mnist.json', 'utf8');
    const latin1 = Buffer.from(dcgan.replace('"name": "', '"name": "\u00e9'), 'latin1');
    const hostile: [string, Buffer, string][] = [
      ['latin1.json', latin1, 'ENCODING'],
      [
        'proto.json',
        Buffer.from(dcgan.replace('"format"', '"__proto__": {"polluted": true}, "format"')),
        'FORBIDDEN_KEY',
      ],
      ['deep.json', Buffer.from(`${'['.repeat(5000)}${']'.repeat(5000)}`), 'LIMIT'],
    ];
    for (const [name, buffer, code] of hostile) {
      await page.getByLabel('Open project file').setInputFiles({ name, mimeType: 'application/json', buffer });
      await expect(refused).toContainText(name);
      await expect(refused).toContainText(code);
      await expect(page.getByTestId('node-g_fc')).toBeVisible();
    }
    await refused.getByRole('button', { name: 'Dismiss' }).click();
    await expect(refused).toHaveCount(0);
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect(page.getByTestId('status')).toHaveText('valid');
    // A real project dropped opens, as one undo step.
    const { readFileSync } = await import('node:fs');
    const ring = readFileSync('templates/toy-ring.json', 'utf8');
    const good = await page.evaluateHandle((text) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], 'ring.json', { type: 'application/json' }));
      return dt;
    }, ring);
    await page.getByTestId('canvas').dispatchEvent('drop', { dataTransfer: good });
    await expect(page.getByTestId('node-g_fc1')).toBeVisible();
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect(page.getByTestId('node-g_fc')).toBeVisible();
  });

  test('the autosave banner: Keep closes it; Discard is undoable, Restore brings the work back', async ({ page }) => {
    await page.goto('/');
    await page.getByTestId('node-z').click();
    const dim = page.getByLabel('dim', { exact: true });
    await dim.fill('32');
    await dim.press('Enter');
    await expect(page.getByTestId('node-z')).toContainText('[B,32]');
    await page.waitForTimeout(800); // autosave is written 300 ms after the edit
    await page.reload();
    const banner = page.getByTestId('restored');
    await expect(banner).toBeVisible();
    await expect(banner.getByRole('button', { name: 'Keep' })).toBeVisible();
    await shot(page, 'restored-banner');
    // Discard: the template opens, and Restore brings the work back.
    await banner.getByRole('button', { name: 'Discard' }).click();
    await expect(page.getByTestId('node-z')).toContainText('[B,64]');
    const discarded = page.getByTestId('discarded');
    await expect(discarded).toBeVisible();
    await shot(page, 'discarded-banner');
    await discarded.getByRole('button', { name: 'Restore' }).click();
    await expect(page.getByTestId('node-z')).toContainText('[B,32]');
    await expect(discarded).toHaveCount(0);
    // Discard again, then Undo: the work is back too.
    await page.waitForTimeout(800);
    await page.reload();
    await page.getByTestId('restored').getByRole('button', { name: 'Discard' }).click();
    await expect(page.getByTestId('node-z')).toContainText('[B,64]');
    await focusCanvas(page);
    await page.keyboard.press('Control+z');
    await expect(page.getByTestId('node-z')).toContainText('[B,32]');
    // Keep closes the banner and keeps the work.
    await page.waitForTimeout(800);
    await page.reload();
    await page.getByTestId('restored').getByRole('button', { name: 'Keep' }).click();
    await expect(page.getByTestId('restored')).toHaveCount(0);
    await expect(page.getByTestId('node-z')).toContainText('[B,32]');
  });

  test('an edge to a deleted port stays visible in red, selectable, deletable; its problem offers the fix', async ({
    page,
  }) => {
    const warnings: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'warning' || m.type() === 'error') warnings.push(m.text());
    });
    await page.goto('/');
    await page.getByLabel('Template').selectOption('toy-ring.json');
    await expect(page.getByTestId('status')).toHaveText('valid');
    await page.getByTestId('node-z').click();
    await page.keyboard.press('Delete');
    await expect(page.getByTestId('node-z')).toHaveCount(0);
    await page.getByRole('tab', { name: 'training' }).click();
    // The wire noise -> G.z is drawn, to a placeholder handle, in error colour.
    const broken = page.locator('.react-flow__edge.gv-edge-dangling');
    await expect(broken).toHaveCount(1);
    await expect(page.getByTestId('node-G').locator('.gv-handle-missing')).toHaveCount(1);
    const stroke = await broken.locator('.react-flow__edge-path').evaluate((e) => getComputedStyle(e).stroke);
    expect(stroke).toBe('rgb(220, 38, 38)');
    await shot(page, 'dangling-edge');
    expect(warnings.filter((w) => /React Flow|\[React Flow\]|handle/i.test(w))).toEqual([]);
    // Select it and delete it with the keyboard: the problem goes; Undo brings the edge back.
    await broken.focus();
    await page.keyboard.press('Enter');
    await expect(broken).toHaveClass(/selected/);
    await page.keyboard.press('Delete');
    await expect(broken).toHaveCount(0);
    await expect(page.getByTestId('problems')).not.toContainText('EDGE_UNKNOWN_PORT');
    await focusCanvas(page);
    await page.keyboard.press('Control+z');
    await expect(broken).toHaveCount(1);
    // The diagnostic offers the fix.
    const problem = page.getByTestId('problems').locator('li').filter({ hasText: 'EDGE_UNKNOWN_PORT' });
    await problem.getByRole('button', { name: 'Fix: delete this edge' }).click();
    await expect(broken).toHaveCount(0);
    await expect(page.getByTestId('problems')).not.toContainText('EDGE_UNKNOWN_PORT');
  });

  test('an edge to a node the graph lacks is drawn to a placeholder node and can be deleted', async ({ page }) => {
    await page.goto('/');
    const project = {
      format: 'ganvas/1',
      name: 'dangling',
      models: {
        generator: {
          nodes: [
            { id: 'z', type: 'Noise', params: { dim: 4 } },
            { id: 'out', type: 'Output' },
          ],
          edges: [
            { source: 'z', target: 'out' },
            { source: 'gone', target: 'out' },
          ],
        },
      },
    };
    await page.getByLabel('Open project file').setInputFiles({
      name: 'dangling.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(project)),
    });
    await expect(page.getByTestId('missing-gone')).toContainText('missing node');
    await expect(page.locator('.react-flow__edge.gv-edge-dangling')).toHaveCount(1);
    await shot(page, 'missing-node');
    const problem = page.getByTestId('problems').locator('li').filter({ hasText: 'EDGE_UNKNOWN_NODE' });
    await problem.getByRole('button', { name: 'Fix: delete this edge' }).click();
    await expect(page.getByTestId('missing-gone')).toHaveCount(0);
    await expect(page.getByTestId('problems')).not.toContainText('EDGE_UNKNOWN_NODE');
  });

  test('renaming a node id from the inspector updates every reference, as one undoable edit', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByTestId('status')).toHaveText('valid');
    await page.getByTestId('node-z').click();
    const id = page.getByLabel('Node id');
    await expect(id).toHaveValue('z');
    // A bad name is refused in place.
    await id.fill('g_fc');
    await id.press('Enter');
    await expect(page.getByRole('alert').filter({ hasText: "already has a node id 'g_fc'" })).toBeVisible();
    await id.fill('latent');
    await id.press('Enter');
    await expect(page.getByTestId('node-latent')).toBeVisible();
    await expect(page.getByTestId('node-z')).toHaveCount(0);
    await expect(page.getByLabel('Node id')).toHaveValue('latent'); // still selected, inspector shown
    await expect(page.getByTestId('status')).toHaveText('valid'); // the training graph's G.z became G.latent
    await page.getByRole('tab', { name: 'training' }).click();
    await expect(page.locator('.gv-edge-dangling')).toHaveCount(0);
    await shot(page, 'renamed-node');
    // Rename the model a ModelCall calls: the tab, both D calls and the optimizer follow.
    await page.getByTestId('node-D_real').click();
    const model = page.getByLabel('Model name');
    await model.fill('critic');
    await model.press('Enter');
    await expect(page.getByRole('tab', { name: 'critic' })).toBeVisible();
    await expect(page.getByRole('tab', { name: 'discriminator' })).toHaveCount(0);
    await expect(page.getByTestId('node-D_fake')).toContainText('critic');
    await expect(page.getByTestId('status')).toHaveText('valid');
    // One undo each.
    await focusCanvas(page);
    await page.keyboard.press('Control+z');
    await expect(page.getByRole('tab', { name: 'discriminator' })).toBeVisible();
    await page.keyboard.press('Control+z');
    await page.getByRole('tab', { name: 'generator' }).click();
    await expect(page.getByTestId('node-z')).toBeVisible();
    await expect(page.getByTestId('status')).toHaveText('valid');
  });

  test('after deleting a multi-selection nothing stays selected: Group is disabled, the next click inspects', async ({
    page,
  }) => {
    await page.goto('/');
    await page.getByLabel('Template').selectOption('toy-ring.json');
    await page.getByTestId('node-g_fc1').click();
    await page.getByTestId('node-g_act1').click({ modifiers: ['Control'] });
    await expect(page.getByRole('button', { name: 'Group into block' })).toBeEnabled();
    await page.keyboard.press('Delete');
    await expect(page.getByTestId('node-g_fc1')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Group into block' })).toBeDisabled();
    await page.getByTestId('node-g_fc2').click();
    await expect(page.getByLabel('Node id')).toHaveValue('g_fc2');
    await expect(page.getByLabel('Inspector')).toContainText('Dense');
  });
});

test.describe('a start that trains', () => {
  test('the page opens on the MNIST DCGAN, whose Start trains at once', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByLabel('Template')).toHaveValue('dcgan-mnist.json');
    await expect(page.getByTestId('status')).toHaveText('valid');
    await page.getByRole('button', { name: 'Training panel' }).click();
    const start = page.getByRole('button', { name: 'Start' });
    test.setTimeout(180_000);
    await expect(start).toBeEnabled();
    // WASM: 'auto' picks WebGPU, which is SwiftShader (software, ~0.02 steps/s) on a machine without a GPU.
    await page.getByLabel('Backend').selectOption('wasm');
    await start.click();
    // Steps are counted and samples drawn: the run is under way (no folder to choose first).
    await expect(page.getByTestId('train-step')).toHaveText(/step ([3-9]|\d{2,})/, { timeout: 120_000 });
    await expect(page.getByTestId('samples-0')).toBeVisible();
    await shot(page, 'opening-trains');
    await page.getByRole('button', { name: 'Stop' }).click();
  });

  test('another project starts a clean training panel: no old charts, samples or downloads', async ({ page }) => {
    test.setTimeout(120_000);
    await page.goto('/');
    await page.getByLabel('Template').selectOption('toy-ring.json');
    await page.getByRole('button', { name: 'Training panel' }).click();
    await page.getByLabel('Backend').selectOption('wasm');
    await page.getByRole('button', { name: 'Start' }).click();
    await expect(page.getByTestId('train-step')).toHaveText(/step ([3-9]|\d{2,})/, { timeout: 90_000 });
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect(page.getByRole('button', { name: 'Download generator' })).toBeEnabled();
    await expect(page.getByTestId('samples-0')).toBeVisible();
    await page.getByLabel('Template').selectOption('dcgan-mnist.json');
    await expect(page.getByRole('button', { name: 'Start' })).toBeEnabled();
    await expect(page.getByTestId('samples-0')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Download generator' })).toBeDisabled();
    await shot(page, 'clean-panel');
  });

  test('the template list shows titles with a line of description, and New project', async ({ page }) => {
    await page.goto('/');
    // The picker names templates by title.
    // (Exactly: 'DCGAN 28x28 (MNIST) + DiffAugment' is another template.)
    await expect(page.getByLabel('Template').locator('option', { hasText: /^DCGAN 28x28 \(MNIST\)$/ })).toHaveCount(1);
    await page.getByRole('button', { name: 'New project…' }).click();
    const list = page.getByTestId('template-list');
    const ring = list.getByRole('button', { name: /2D toy GAN: ring of 8 Gaussians.*A ring of 8 Gaussians/ });
    await expect(ring).toBeVisible();
    await expect(list.getByRole('button').first()).toContainText('New project');
    await shot(page, 'template-list');
    await list.getByRole('button').first().click();
    await expect(page.getByRole('dialog')).toHaveCount(0);
    await expect(page.getByRole('tab')).toHaveText(['generator', 'discriminator', 'training']);
    await expect(page.getByTestId('problems')).toContainText('NO_INPUT');
    await expect(page.getByLabel('Template')).toHaveValue('untitled.json');
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect(page.getByLabel('Template')).toHaveValue('dcgan-mnist.json');
  });

  test('every command the page names (text and tooltips, training panel open) is one that works', async ({ page }) => {
    const { spawnSync } = await import('node:child_process');
    const { readFileSync } = await import('node:fs');
    await page.goto('/');
    await page.getByRole('button', { name: 'Training panel' }).click();
    await expect(page.getByRole('button', { name: 'Start' })).toBeVisible();
    const text = await page.evaluate(() => {
      const titles = [...document.querySelectorAll('[title]')].map((e) => e.getAttribute('title'));
      return [document.body.innerText, ...titles].join('\n');
    });
    const named = [...text.matchAll(/npx ganvas ([a-z]+)|npm run ([a-z][\w:-]*)/g)];
    expect(named.length).toBeGreaterThan(0); // Export TS's tooltip names `npx ganvas export`
    const help = spawnSync(process.execPath, ['bin/ganvas.js', '--help'], { encoding: 'utf8' }).stdout;
    const scripts = Object.keys(JSON.parse(readFileSync('package.json', 'utf8')).scripts);
    for (const [all, sub, script] of named) {
      if (sub) expect(help, all).toMatch(new RegExp(`^  ${sub}\\b`, 'm'));
      if (script) expect(scripts, all).toContain(script);
    }
  });

  test('the header counts errors and warnings as the Problems list does', async ({ page }) => {
    await page.goto('/');
    await page.getByLabel('Search nodes').fill('leaky');
    await page.getByRole('button', { name: 'Add LeakyReLU' }).click();
    await page.getByRole('button', { name: 'Add LeakyReLU' }).click();
    const errors = await page.getByTestId('problems').locator('li.gv-problem-error').count();
    const warnings = await page.getByTestId('problems').locator('li.gv-problem-warning').count();
    expect(errors + warnings).toBeGreaterThan(1);
    const say = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
    await expect(page.getByTestId('status')).toHaveText(say(errors, 'error'));
    if (warnings > 0) await expect(page.getByTestId('warnings')).toHaveText(say(warnings, 'warning'));
    else await expect(page.getByTestId('warnings')).toHaveCount(0);
    const both = [errors ? say(errors, 'error') : '', warnings ? say(warnings, 'warning') : ''].filter(Boolean);
    await expect(page.getByTestId('problems-count')).toHaveText(`Problems: ${both.join(', ')}`);
  });
});

test.describe('hands and keyboards', () => {
  test('"?" lists the shortcuts of the command table; Escape closes it', async ({ page }) => {
    await page.goto('/');
    await focusCanvas(page);
    await page.keyboard.press('?');
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await expect(dialog).toBeVisible();
    const table: [string, string][] = [
      ['Ctrl+Z', 'Undo'],
      ['Ctrl+Shift+Z', 'Redo'],
      ['Ctrl+S', 'Save project'],
      ['Ctrl+C', 'Copy'],
      ['?', 'Keyboard shortcuts'],
    ];
    for (const [key, name] of table) {
      await expect(dialog.getByRole('row').filter({ hasText: name }).first()).toContainText(key);
    }
    await shot(page, 'shortcuts');
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
  });

  test('Open and Import are reachable with Tab and open the file chooser from the keyboard', async ({ page }) => {
    await page.goto('/');
    const open = page.getByRole('button', { name: 'Open…' });
    await open.focus();
    await expect(open).toBeFocused();
    const outline = await open.evaluate((e) => getComputedStyle(e).outlineStyle);
    expect(outline).not.toBe('none');
    const chooser = page.waitForEvent('filechooser');
    await page.keyboard.press('Enter');
    await chooser;
    // Tab order: the template picker, then Open, then Import.
    await page.getByLabel('Template').focus();
    await page.keyboard.press('Tab');
    await expect(open).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(page.getByRole('button', { name: 'Import…' })).toBeFocused();
  });

  test("the panel's file choosers (image folder, checkpoint) are reachable with Tab and open from the keyboard", async ({
    page,
  }) => {
    await page.goto('/');
    await page.getByLabel('Template').selectOption('toy-ring.json');
    await page.getByRole('button', { name: 'Training panel' }).click();
    const resume = page.getByRole('button', { name: 'Resume from checkpoint…' });
    // The panel checks the new project first (a slow machine shows it blocked for a moment); Tab skips a disabled control.
    await expect(resume).toHaveAttribute('aria-disabled', 'false');
    await page.getByLabel('Backend').focus(); // the downloads before it are disabled until a run exists
    await page.keyboard.press('Tab');
    await expect(resume).toBeFocused();
    const chooser = page.waitForEvent('filechooser');
    await page.keyboard.press('Enter');
    await chooser;
    await page.getByLabel('Template').selectOption('dcgan.json'); // the panel stays open, cleared for the new project
    const folder = page.getByRole('button', { name: 'Choose image folder…' });
    await page.getByLabel('Dataset data').focus();
    await page.keyboard.press('Tab');
    await expect(folder).toBeFocused();
    const chooser2 = page.waitForEvent('filechooser');
    await page.keyboard.press(' ');
    await chooser2;
  });

  test('from the Train button to Start is one key press: opening the panel focuses its first control', async ({
    page,
  }) => {
    await page.goto('/');
    await page.getByRole('button', { name: 'Training panel' }).focus();
    await page.keyboard.press('Enter');
    const start = page.getByRole('button', { name: 'Start' });
    await expect(start).toBeFocused();
    const outline = await start.evaluate((e) => getComputedStyle(e).outlineStyle);
    expect(outline).not.toBe('none');
    await shot(page, 'train-focus');
  });

  test('wiring from the keyboard: pick a target input from a list, Connect; one undo step', async ({ page }) => {
    await page.goto('/');
    await page.getByLabel('Template').selectOption('toy-ring.json');
    await page.getByLabel('Search nodes').fill('leaky');
    await page.getByRole('button', { name: 'Add LeakyReLU' }).press('Enter');
    await expect(page.getByTestId('node-leakyrelu_1')).toContainText('UNCONNECTED_INPUT');
    // Select g_act1 with the keyboard: focus its node, Enter.
    await page.locator('.react-flow__node[data-id="g_act1"]').focus();
    await page.keyboard.press('Enter');
    await expect(page.getByLabel('Node id')).toHaveValue('g_act1');
    const to = page.getByLabel('Connect to');
    await to.focus();
    await to.selectOption('leakyrelu_1.in');
    await page.keyboard.press('Tab');
    await expect(page.getByRole('button', { name: 'Connect', exact: true })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('node-leakyrelu_1')).not.toContainText('UNCONNECTED_INPUT');
    await expect(page.getByTestId('node-leakyrelu_1')).toContainText('[B,');
    await shot(page, 'keyboard-connect');
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect(page.getByTestId('node-leakyrelu_1')).toContainText('UNCONNECTED_INPUT');
  });

  test('a node moved with the arrow keys is moved in the document, and Undo moves it back', async ({ page }) => {
    await page.goto('/');
    await page.getByLabel('Template').selectOption('toy-ring.json');
    const node = page.getByTestId('node-g_fc1');
    await node.click();
    const wrapper = page.locator('.react-flow__node[data-id="g_fc1"]');
    const before = await wrapper.evaluate((e) => (e as HTMLElement).style.transform);
    await wrapper.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expect(wrapper).not.toHaveAttribute('style', new RegExp(before.replace(/[()]/g, '\\$&')));
    const moved = await wrapper.evaluate((e) => (e as HTMLElement).style.transform);
    // An edit: the next render (another tab and back) keeps it.
    await page.getByRole('tab', { name: 'training' }).click();
    await page.getByRole('tab', { name: 'generator' }).click();
    await expect(wrapper).toHaveCSS('transform', /matrix/);
    expect(await wrapper.evaluate((e) => (e as HTMLElement).style.transform)).toBe(moved);
    await focusCanvas(page);
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+z');
    expect(await wrapper.evaluate((e) => (e as HTMLElement).style.transform)).toBe(before);
  });
});

test.describe('readable', () => {
  for (const [width, height] of [
    [1024, 768],
    [1280, 720],
  ] as const) {
    test(`at ${width}x${height} the header is one row, with Train and the status on screen`, async ({ page }) => {
      await page.setViewportSize({ width, height });
      await page.goto('/');
      await page.getByLabel('Open project file').setInputFiles({
        name: 'long.json',
        mimeType: 'application/json',
        buffer: Buffer.from(
          JSON.stringify({
            format: 'ganvas/1',
            name: 'A project with a rather long name that would push the header onto two rows',
            models: {
              g: {
                nodes: [
                  { id: 'z', type: 'Noise' },
                  { id: 'o', type: 'Output' },
                ],
                edges: [{ source: 'z', target: 'o' }],
              },
            },
          }),
        ),
      });
      const header = page.locator('header.gv-header');
      const box = (await header.boundingBox())!;
      expect(box.height).toBeLessThanOrEqual(48);
      for (const el of [page.getByRole('button', { name: 'Training panel' }), page.getByTestId('status')]) {
        const b = (await el.boundingBox())!;
        expect(b.x + b.width).toBeLessThanOrEqual(width);
        expect(b.y + b.height).toBeLessThanOrEqual(box.y + box.height);
      }
      await shot(page, `header-${width}`);
    });
  }
});

test('inspector errors say what the param takes, in its own words', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('node-g_fc').click();
  const units = page.getByLabel('units', { exact: true });
  await units.fill('2.5');
  await units.press('Enter');
  const said = page.getByRole('alert').filter({ hasText: 'units must be a whole number from 1 to 1,000,000.' });
  await expect(said).toBeVisible();
  await expect(page.getByText('expected number')).toHaveCount(0);
  await page.getByTestId('node-g_reshape').click();
  const shape = page.getByLabel('shape', { exact: true });
  await shape.fill('7, seven, 64');
  await shape.press('Enter');
  await expect(page.getByRole('alert').filter({ hasText: 'shape must be numbers separated by commas' })).toBeVisible();
  await expect(page.getByTestId('status')).toHaveText('valid');
  await shot(page, 'inspector-words');
});

test.describe('readable graphs', () => {
  /** The on-screen size of node text (12 px at zoom 1), from the canvas' zoom. */
  const textPx = async (page: Page) => {
    const t = await page.locator('.react-flow__viewport').evaluate((e) => getComputedStyle(e).transform);
    const scale = t === 'none' ? 1 : Number(/matrix\(([^,]+)/.exec(t)?.[1]);
    return 12 * scale;
  };

  for (const [file, tab] of [
    ['dcgan.json', 'generator'],
    ['stylegan-lite.json', 'synthesis'],
    ['pix2pix.json', 'generator'],
  ] as const) {
    test(`${file}: ${tab} opens with node text at 10 px or more, ports on the sides the graph flows through`, async ({
      page,
    }) => {
      await page.goto('/');
      await page.getByLabel('Template').selectOption(file);
      await page.getByRole('tab', { name: tab, exact: true }).click();
      await expect(page.locator('.react-flow__node').first()).toBeVisible();
      await page.waitForTimeout(300);
      expect(await textPx(page)).toBeGreaterThanOrEqual(10);
      // A model flows top to bottom: inputs on top, outputs at the bottom.
      await expect(page.locator('.react-flow__handle-left')).toHaveCount(0);
      expect(await page.locator('.react-flow__handle-top').count()).toBeGreaterThan(0);
      await shot(page, `opening-${file.replace('.json', '')}`);
    });
  }

  test('the canvas fits the graph again when the window resizes, still readable', async ({ page }) => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto('/');
    await page.getByLabel('Template').selectOption('toy-ring.json');
    await expect(page.locator('.react-flow__node').first()).toBeVisible();
    await page.waitForTimeout(300);
    const transform = () => page.locator('.react-flow__viewport').evaluate((e) => getComputedStyle(e).transform);
    const before = await transform();
    await page.setViewportSize({ width: 1024, height: 600 });
    await expect.poll(transform).not.toBe(before);
    expect(await textPx(page)).toBeGreaterThanOrEqual(10);
    // The graph's first node is on screen in the smaller canvas.
    const canvas = (await page.getByTestId('canvas').boundingBox())!;
    const node = (await page.locator('.react-flow__node').first().boundingBox())!;
    expect(node.x).toBeGreaterThanOrEqual(canvas.x - 1);
    expect(node.y).toBeGreaterThanOrEqual(canvas.y - 1);
    expect(node.y + node.height).toBeLessThanOrEqual(canvas.y + canvas.height + 1);
    await shot(page, 'refit-1024x600');
  });

  test('Layout lays the graph out with dagre along its flow; training flows left to right', async ({ page }) => {
    await page.goto('/');
    await page.getByLabel('Template').selectOption('pix2pix.json');
    await page.getByRole('button', { name: 'Auto-layout' }).click();
    // No two nodes overlap.
    const boxes = await page.locator('.react-flow__node').evaluateAll((els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return { x: r.x, y: r.y, w: r.width, h: r.height };
      }),
    );
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]!;
        const b = boxes[j]!;
        const overlap = a.x < b.x + b.w - 1 && b.x < a.x + a.w - 1 && a.y < b.y + b.h - 1 && b.y < a.y + a.h - 1;
        expect(overlap, `nodes ${i} and ${j} overlap`).toBe(false);
      }
    await page.getByRole('button', { name: 'Fit View' }).click();
    await shot(page, 'layout-pix2pix');
    await page.getByRole('button', { name: 'Undo' }).click();
    await page.getByRole('tab', { name: 'training' }).click();
    await expect(page.locator('.react-flow__handle-top')).toHaveCount(0);
    expect(await page.locator('.react-flow__handle-left').count()).toBeGreaterThan(0);
  });

  test('a node added from the palette lands on a free spot, selected, with its inspector', async ({ page }) => {
    await page.goto('/');
    await page.getByLabel('Search nodes').fill('dense');
    await page.getByRole('button', { name: 'Add Dense' }).click();
    await page.getByRole('button', { name: 'Add Dense' }).click();
    for (const id of ['dense_1', 'dense_2']) await expect(page.getByTestId(`node-${id}`)).toBeVisible();
    await expect(page.getByLabel('Node id')).toHaveValue('dense_2');
    const boxes = await page.locator('.react-flow__node').evaluateAll((els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return { id: e.getAttribute('data-id'), x: r.x, y: r.y, w: r.width, h: r.height };
      }),
    );
    for (const a of boxes.filter((b) => b.id?.startsWith('dense_')))
      for (const b of boxes) {
        if (a === b) continue;
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        expect(overlap, `${a.id} on ${b.id}`).toBe(false);
      }
    await shot(page, 'added-nodes');
  });
});
