/** Inspector forms come from the registry's zod params, and refuse invalid values. */
import { describe, expect, it } from 'vitest';
import { NODE_TYPES, REGISTRY } from '../../src/core/nodes/registry.js';
import { fieldsOf, formatField, parseField } from '../../src/ui/inspector/fields.js';

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
      const keys = Object.keys(defaults.data as object).sort();
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
