/**
 * The PyTorch export's early-stopping settings (issue 17.4): `auto` resolves
 * as the trainer resolves it (FID for single-channel digit generators trained
 * on the bundled MNIST, modeScore for 2D mixtures), and a figure the project
 * cannot give is refused at export with the reason. (train.py's figures and
 * rule run in tests/pytorch/quality.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../src/cli/assets.js';
import { exportProjectPyTorch } from '../../src/cli/export.js';
import { ExportError } from '../../src/core/codegen/common.js';
import { validateProjectText } from '../../src/core/validate.js';

function script(template: string, earlyStopping?: object): string {
  const p = JSON.parse(readFileSync(join(ROOT, 'templates', template), 'utf8'));
  if (earlyStopping) p.training.settings.earlyStopping = earlyStopping;
  else delete p.training.settings.earlyStopping;
  return exportProjectPyTorch(validateProjectText(JSON.stringify(p)));
}
const line = (s: string, name: string) => s.split('\n').find((l) => l.startsWith(`${name} = `));
const es = (metric: string) => ({ metric, every: 50, patience: 3, minDelta: 0.5, stop: false });

describe('train.py early-stopping settings', () => {
  it('resolves auto: FID for 28x28 and 32x32 digit generators, modeScore for the ring; none without the setting', () => {
    const digits = script('dcgan-mnist.json', es('auto'));
    expect(line(digits, 'EARLY_STOPPING')).toBe(
      'EARLY_STOPPING = {"metric": "fid", "every": 50, "patience": 3, "minDelta": 0.5, "stop": False}',
    );
    expect(line(digits, 'DIGITS')).toBe('DIGITS = {"size": 28}');
    expect(line(script('stylegan-lite.json', es('auto')), 'DIGITS')).toBe('DIGITS = {"size": 32}');
    expect(line(script('conditional-mnist.json', es('recall')), 'EARLY_STOPPING')).toContain('"metric": "recall"');
    expect(line(script('toy-ring.json', es('auto')), 'EARLY_STOPPING')).toContain('"metric": "modeScore"');
    expect(line(script('toy-ring.json', es('highQuality')), 'DIGITS')).toBe('DIGITS = None');
    expect(line(script('dcgan-mnist.json'), 'EARLY_STOPPING')).toBe('EARLY_STOPPING = None');
  });

  it('refuses a figure the project cannot give, with the reason', () => {
    expect(() => script('toy-ring.json', es('fid'))).toThrow(
      new ExportError(
        'Early stopping: FID needs a generator of single-channel digits (16x16 to 64x64) trained on the bundled MNIST.',
      ),
    );
    expect(() => script('dcgan-mnist.json', es('modesCovered'))).toThrow(/modes covered needs a 2D mixture dataset/);
    // An RGB image folder: no figure at all.
    expect(() => script('dcgan.json', es('auto'))).toThrow(/the project has no quality figure to judge/);
  });
});
