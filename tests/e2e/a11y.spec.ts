/**
 * Accessibility (issue 13): axe-core on the editor and on the open training
 * panel finds no critical and no serious violation.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';

async function serious(page: Page, include?: string) {
  // label-content-name-mismatch is one of axe's experimental rules (off by default): the issue saw it, so it runs.
  const builder = new AxeBuilder({ page }).options({ rules: { 'label-content-name-mismatch': { enabled: true } } });
  const r = await (include ? builder.include(include) : builder).analyze();
  const bad = r.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious');
  const where = (v: (typeof bad)[number]) => v.nodes.map((n) => n.target.join(' ')).join(', ');
  const report = bad.map((v) => `${v.impact} ${v.id}: ${v.help} (${where(v)})`);
  const others = r.violations.filter((v) => !bad.includes(v)).map((v) => `${v.impact} ${v.id} (${v.nodes.length})`);
  test.info().annotations.push({ type: 'axe, minor', description: others.join('; ') || 'none' });
  return report;
}

test('axe: the editor has no critical or serious violation', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('status')).toHaveText('valid');
  expect(await serious(page)).toEqual([]);
  await page.getByRole('tab', { name: 'training' }).click();
  await page.getByTestId('node-G').click();
  expect(await serious(page)).toEqual([]);
  await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
  expect(await serious(page)).toEqual([]);
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'New project…' }).click();
  expect(await serious(page)).toEqual([]);
  await page.screenshot({ path: test.info().outputPath('axe-editor.png') });
});

test('axe: the open training panel has no critical or serious violation', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Training panel' }).click();
  await expect(page.getByRole('button', { name: 'Start' })).toBeVisible();
  expect(await serious(page)).toEqual([]);
  await page.screenshot({ path: test.info().outputPath('axe-train.png') });
});
