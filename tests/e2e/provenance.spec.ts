import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { flipPixelByte, testCertificates } from '../fixtures/certificates';

/**
 * The page's downloaded samples carry content credentials when the person
 * gives a certificate and key: chosen as files in the training panel,
 * checked at once (a key that is not the certificate's is refused with a
 * sentence), then "Download samples" writes a PNG whose C2PA manifest
 * `ganvas verify` reads as Trusted against the test CA; one flipped byte
 * makes it Invalid. The certificates are made here with openssl.
 */
test('Download samples signs with the chosen certificate; ganvas verify trusts it', async ({ page }) => {
  test.setTimeout(180_000);
  const dir = mkdtempSync(join(tmpdir(), 'ganvas-c2pa-e2e-'));
  const certs = testCertificates(dir);
  const verify = (file: string, ...args: string[]) =>
    spawnSync(process.execPath, ['bin/ganvas.js', 'verify', file, ...args], { cwd: process.cwd(), encoding: 'utf8' });

  await page.goto('/');
  await page.getByLabel('Template').selectOption('toy-ring.json');
  await expect(page.getByTestId('status')).toHaveText('valid');
  await page.getByRole('button', { name: 'Training panel' }).click();
  await page.getByLabel('Backend').selectOption('wasm');
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByTestId('train-step')).toHaveText(/step ([3-9]|\d{2,})/, { timeout: 120_000 });
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('train-status')).toHaveText('stopped', { timeout: 60_000 });

  const choose = page.getByLabel('Sign downloads: choose certificate and key (PEM)…');
  await expect(page.getByTestId('c2pa-status')).toHaveText('Downloaded samples carry provenance marks, unsigned.');
  // The CA's key with the signer's certificate: refused, said in the panel, nothing kept.
  await choose.setInputFiles([certs.cert, certs.caKey]);
  await expect(page.getByRole('alert')).toContainText('does not sign for the first certificate');
  await expect(page.getByTestId('c2pa-status')).toHaveText('Downloaded samples carry provenance marks, unsigned.');
  // Not a key at all.
  await choose.setInputFiles([certs.cert]);
  await expect(page.getByRole('alert')).toContainText('No private key in the chosen files');

  // The signer's certificate and its key (SEC1, as openssl ecparam writes it).
  await choose.setInputFiles([certs.cert, certs.sec1Key]);
  await expect(page.getByTestId('c2pa-status')).toContainText(
    'Downloaded samples are signed (C2PA) as ganvas test signer',
    { timeout: 60_000 },
  );
  await expect(page.getByRole('alert')).toHaveCount(0); // the earlier refusal is gone
  await page.screenshot({ path: test.info().outputPath('c2pa-panel.png') });
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download samples' }).click();
  const file = join(dir, 'samples.png');
  await (await download).saveAs(file);

  const v = verify(file, '--json', '--trust', certs.ca);
  expect(v.status, v.stdout + v.stderr).toBe(0);
  const r = JSON.parse(v.stdout);
  expect(r.aiGenerated).toBe(true);
  expect(r.png.provenance).toMatchObject({ project: '2D toy GAN: ring of 8 Gaussians', tool: 'ganvas (editor)' });
  expect(r.c2pa.state).toBe('Trusted');
  expect(r.c2pa.commonName).toBe('ganvas test signer');
  expect(r.c2pa.actions[0]).toMatchObject({
    action: 'c2pa.created',
    digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia',
  });

  // A pixel byte changed after signing (its chunk's CRC fixed up, so only the signature can tell): Invalid.
  const tampered = join(dir, 'tampered.png');
  writeFileSync(tampered, flipPixelByte(new Uint8Array(readFileSync(file))));
  const bad = verify(tampered);
  expect(bad.status).toBe(1);
  expect(bad.stdout).toMatch(/C2PA: Invalid/);
  expect(bad.stdout).toMatch(/dataHash\.mismatch/);

  // Stop signing: the next download is marked, unsigned.
  await page.getByRole('button', { name: 'Stop signing' }).click();
  await expect(page.getByTestId('c2pa-status')).toHaveText('Downloaded samples carry provenance marks, unsigned.');
  const plain = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download samples' }).click();
  const plainFile = join(dir, 'plain.png');
  await (await plain).saveAs(plainFile);
  const p = JSON.parse(verify(plainFile, '--json').stdout);
  expect(p.aiGenerated).toBe(true);
  expect(p.c2pa).toBeUndefined();
});
