/**
 * Writes the PyTorch export (train.py) of every shipped template, as shipped, into DIR/<template>/train.py,
 * for bench/device/run.sh (a machine with torch and a GPU, and no ganvas). DCGAN 64x64's image folder becomes
 * 64x64 RGB digits of the same shape (bench/step-common.ts).
 *
 *   npx tsx bench/device/export-pytorch.ts DIR
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../src/cli/assets.js';
import { exportProjectPyTorch } from '../../src/cli/export.js';
import { validateProjectText } from '../../src/core/validate.js';
import { folderAsDigits } from '../step-common.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: export-pytorch.ts DIR');
for (const file of readdirSync(join(ROOT, 'templates')).filter((f) => f.endsWith('.json'))) {
  const text = folderAsDigits(readFileSync(join(ROOT, 'templates', file), 'utf8'));
  const out = join(dir, file.replace(/\.json$/, ''));
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'train.py'), exportProjectPyTorch(validateProjectText(text)));
}
