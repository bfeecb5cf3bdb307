import { describe, expect, it } from 'vitest';
import { fittingTypes } from '../../src/ui/store/fit.js';

describe('node types that fit a wire', () => {
  it('offers convolutions for images and not for vectors, and embeddings only for class ids', () => {
    const image = fittingTypes({ shape: [null, 16, 16, 8], dtype: 'float32' });
    const vector = fittingTypes({ shape: [null, 64], dtype: 'float32' });
    const labels = fittingTypes({ shape: [null, 1], dtype: 'int32' });
    expect(image).toEqual(
      expect.arrayContaining([
        'Conv2D',
        'ConvTranspose2D',
        'InstanceNorm',
        'Upsample',
        'Downsample',
        'SelfAttention',
        'Flatten',
        'Output',
      ]),
    );
    expect(image).not.toContain('Dense');
    expect(vector).toEqual(expect.arrayContaining(['Dense', 'PixelNorm', 'LeakyReLU', 'Output']));
    expect(vector).not.toContain('Conv2D');
    expect(labels).toContain('Embedding');
    expect(labels).not.toContain('Dense');
  });
});
