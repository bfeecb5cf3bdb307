/** Inspector forms come from the registry's zod params, and refuse invalid values. */
import { describe, expect, it } from 'vitest';
import { NODE_TYPES, REGISTRY } from '../../src/core/nodes/registry.js';
import { fieldsOf, formatField, parseField, parseInitializer } from '../../src/ui/inspector/fields.js';

describe('inspector fields', () => {
  it('gives Dense a units field with its range, default and help text', () => {
    const f = fieldsOf(NODE_TYPES.get('Dense')!.params).find((x) => x.key === 'units')!;
    expect(f).toMatchObject({
      kind: 'integer',
      min: 1,
      max: 1_000_000,
      defaultValue: 128,
      description: 'Output features.',
    });
  });
  it('maps enums, booleans, literal unions and number lists', () => {
    const conv = fieldsOf(NODE_TYPES.get('Conv2D')!.params);
    expect(conv.find((x) => x.key === 'padding')).toMatchObject({ kind: 'enum', options: ['same', 'valid'] });
    expect(conv.find((x) => x.key === 'spectralNorm')).toMatchObject({ kind: 'boolean', defaultValue: false });
    expect(fieldsOf(NODE_TYPES.get('Input')!.params)[0]).toMatchObject({
      kind: 'numberList',
      defaultValue: [28, 28, 1],
    });
  });
  it('has a field for every param of every node type', () => {
    for (const d of REGISTRY.values()) {
      const defaults = d.params.safeParse({});
      if (!defaults.success) continue; // Optimizer needs its player; Dataset is a union of sources
      // Every key of the schema, optional ones (no default, such as AdversarialLoss' drift) included.
      const shape = (d.params as unknown as { shape?: Record<string, unknown> }).shape;
      const keys = Object.keys(shape ?? (defaults.data as object)).sort();
      expect(
        fieldsOf(d.params)
          .map((f) => f.key)
          .sort(),
        d.type,
      ).toEqual(keys);
    }
  });
  it('refuses invalid values in place and accepts valid ones', () => {
    const units = fieldsOf(NODE_TYPES.get('Dense')!.params).find((x) => x.key === 'units')!;
    expect(parseField(units, '0')).toHaveProperty('error');
    expect(parseField(units, '2.5')).toHaveProperty('error');
    expect(parseField(units, 'lots')).toHaveProperty('error');
    expect(parseField(units, ' 64 ')).toEqual({ value: 64 });
    const shape = fieldsOf(NODE_TYPES.get('Reshape')!.params)[0]!;
    expect(parseField(shape, '4, 4, 64')).toEqual({ value: [4, 4, 64] });
    expect(parseField(shape, '4, -1, -1')).toHaveProperty('error');
    expect(formatField(shape, [4, 4, 64])).toBe('4, 4, 64');
  });
});

describe('initializer fields', () => {
  const dense = () => fieldsOf(NODE_TYPES.get('Dense')!.params);
  it("shows each weighted node's initializers with Keras' kinds and each kind's numbers", () => {
    const k = dense().find((f) => f.key === 'kernelInitializer')!;
    expect(k).toMatchObject({ kind: 'initializer', defaultValue: { kind: 'glorotNormal' } });
    expect(k.variants!.map((v) => v.kind)).toEqual([
      'glorotUniform',
      'glorotNormal',
      'heUniform',
      'heNormal',
      'randomNormal',
      'randomUniform',
      'truncatedNormal',
      'orthogonal',
    ]);
    const normal = k.variants!.find((v) => v.kind === 'randomNormal')!;
    expect(normal.fields.map((f) => [f.key, f.kind, f.defaultValue])).toEqual([
      ['mean', 'number', 0],
      ['stddev', 'number', 0.05],
    ]);
    const b = dense().find((f) => f.key === 'biasInitializer')!;
    expect(b.variants!.map((v) => v.kind)).toEqual([
      'zeros',
      'ones',
      'randomNormal',
      'randomUniform',
      'truncatedNormal',
    ]);
    for (const [type, key] of [
      ['Conv2D', 'kernelInitializer'],
      ['ConvTranspose2D', 'biasInitializer'],
      ['Embedding', 'embeddingsInitializer'],
      ['BatchNorm', 'gammaInitializer'],
      ['InstanceNorm', 'betaInitializer'],
      ['LayerNorm', 'gammaInitializer'],
      ['StyleModulation', 'kernelInitializer'],
      ['SelfAttention', 'kernelInitializer'],
      ['LearnedConstant', 'constantInitializer'],
    ] as const)
      expect(fieldsOf(NODE_TYPES.get(type)!.params).find((f) => f.key === key)?.kind, `${type}.${key}`).toBe(
        'initializer',
      );
  });
  it('picking a kind gives its defaults; typed numbers are checked in place', () => {
    const k = dense().find((f) => f.key === 'kernelInitializer')!;
    const picked = parseInitializer(k, undefined, { kind: 'randomNormal' });
    expect(picked).toEqual({ value: { kind: 'randomNormal', mean: 0, stddev: 0.05 } });
    const current = (picked as { value: unknown }).value;
    expect(parseInitializer(k, current, { key: 'stddev', text: ' 0.02 ' })).toEqual({
      value: { kind: 'randomNormal', mean: 0, stddev: 0.02 },
    });
    expect(parseInitializer(k, current, { key: 'stddev', text: '-1' })).toMatchObject({
      error: expect.stringMatching(/^kernelInitializer\.stddev: /),
    });
    expect(parseInitializer(k, current, { key: 'mean', text: 'abc' })).toEqual({
      error: 'kernelInitializer.mean must be a number.',
    });
    const u = parseInitializer(k, undefined, { kind: 'randomUniform' }) as { value: unknown };
    expect(parseInitializer(k, u.value, { key: 'maxval', text: '-0.5' })).toMatchObject({
      error: expect.stringMatching(/^kernelInitializer\.maxval: maxval must be greater than minval/),
    });
    expect(parseInitializer(k, undefined, { kind: 'zeros' })).toHaveProperty('error');
  });
});
