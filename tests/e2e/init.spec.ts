/** The inspector shows a node's initializers (kind, then that kind's numbers) and refuses invalid ones in place. */
import { expect, test } from '@playwright/test';

test("initializers in the inspector: the template's N(0, 0.02), another kind, an invalid stddev refused", async ({
  page,
}) => {
  await page.goto('/');
  await page.getByLabel('Template').selectOption('dcgan-mnist.json');
  await expect(page.getByTestId('status')).toHaveText('valid');
  await page.getByTestId('node-g_fc').click();
  const kind = page.getByLabel('kernelInitializer', { exact: true });
  await expect(kind).toHaveValue('randomNormal');
  const stddev = page.locator('#field-kernelInitializer-stddev');
  await expect(stddev).toHaveValue('0.02');
  await expect(page.locator('#field-kernelInitializer-mean')).toHaveValue('0');
  await expect(page.getByLabel('biasInitializer', { exact: true })).toHaveValue('zeros');

  // An invalid number is refused where it is typed and changes nothing.
  await stddev.fill('-1');
  await stddev.press('Enter');
  await expect(page.getByRole('alert').filter({ hasText: 'kernelInitializer.stddev' })).toBeVisible();
  await expect(page.getByTestId('status')).toHaveText('valid');

  // Another kind: its own fields (none for heUniform); undo brings the template's back.
  await kind.selectOption('heUniform');
  await expect(kind).toHaveValue('heUniform');
  await expect(page.locator('#field-kernelInitializer-stddev')).toHaveCount(0);
  await kind.selectOption('randomUniform');
  await expect(page.locator('#field-kernelInitializer-minval')).toHaveValue('-0.05');
  await page.getByRole('button', { name: 'Undo' }).click();
  await page.getByRole('button', { name: 'Undo' }).click();
  await page.getByTestId('node-g_fc').click();
  await expect(page.getByLabel('kernelInitializer', { exact: true })).toHaveValue('randomNormal');
  await page.screenshot({ path: test.info().outputPath('initializer.png') });
});
