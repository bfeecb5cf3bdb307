/** Comparison variants: one param changed, parsed from text, checked by validation. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyParamChange, parseParamChange, VariantError } from '../../src/core/project/variant.js';
import { validateProjectText, validateProjectValue } from '../../src/core/validate.js';

const ROOT = resolve(__dirname, '../..');
const ring = validateProjectText(readFileSync(join(ROOT, 'templates/toy-ring.json'), 'utf8'));

describe('param change variants', () => {
  it('parses training-graph and model changes with JSON values', () => {
    expect(parseParamChange('opt_G.learningRate = 0.001')).toEqual({
      node: 'opt_G',
      param: 'learningRate',
      value: 0.001,
      text: 'opt_G.learningRate = 0.001',
    });
    expect(parseParamChange(' generator/g_fc1.units=32 ')).toEqual({
      model: 'generator',
      node: 'g_fc1',
      param: 'units',
      value: 32,
      text: 'generator/g_fc1.units = 32',
    });
    expect(parseParamChange('loss.kind = "hinge"').value).toBe('hinge');
  });
  it('refuses malformed changes with a sentence that says how to write one', () => {
    expect(() => parseParamChange('learningRate 0.1')).toThrow(VariantError);
    expect(() => parseParamChange('opt_G.learningRate = fast')).toThrow(/not JSON/);
    expect(() => parseParamChange('"; evil().x = 1')).toThrow(/node.param = value/);
  });
  it('changes a copy, which validation then checks', () => {
    const before = JSON.stringify(ring.project);
    const wider = applyParamChange(ring.project!, parseParamChange('generator/g_fc1.units = 32'));
    expect(JSON.stringify(ring.project)).toBe(before);
    const a = validateProjectValue(wider);
    expect(a.status).toBe('ok');
    expect(a.models.get('generator')!.nodes.get('g_fc1')!.outputs![0]!.shape).toEqual([null, 32]);
    const broken = validateProjectValue(applyParamChange(ring.project!, parseParamChange('generator/g_out.units = 3')));
    expect(broken.status).toBe('invalid');
    expect(() => applyParamChange(ring.project!, parseParamChange('nope.x = 1'))).toThrow(/no node 'nope'/);
    expect(() => applyParamChange(ring.project!, parseParamChange('nomodel/x.y = 1'))).toThrow(/no model 'nomodel'/);
  });
});
