/**
 * The registry's layers print as TypeScript that builds the same layer, and
 * printed configs cannot carry code.
 */

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { printLayer } from '../../src/core/codegen/layers.js';
import { makeLayer } from '../../src/core/compile/model.js';
import { CUSTOM_LAYERS } from '../../src/core/nodes/layers/custom.js';
import { NODE_TYPES } from '../../src/core/nodes/registry.js';
import { projectJsonSchema } from '../../src/core/project/schema.js';

describe('printing layers', () => {
  it('prints every layer node so that evaluating the text builds a layer with the same config', () => {
    const tfScope = { layers: tfl.layers };
    for (const def of NODE_TYPES.values()) {
      const params = def.params.parse({});
      const inputs =
        def.type === 'Embedding'
          ? [{ shape: [null, 1], dtype: 'int32' as const }]
          : [{ shape: [null, 8, 8, 4], dtype: 'float32' as const }];
      for (const spec of def.layers(params, 'node_1', inputs)) {
        const text = printLayer(spec);
        // Evaluate with only tf.layers and the custom classes in scope.
        const build = new Function('tf', ...Object.keys(CUSTOM_LAYERS), `return ${text};`) as (
          ...a: unknown[]
        ) => tfl.layers.Layer;
        const layer = build(tfScope, ...Object.values(CUSTOM_LAYERS));
        expect(layer.getConfig(), `${def.type}: ${text}`).toEqual(makeLayer(spec).getConfig());
      }
    }
  });
  it('prints hostile strings as inert JSON', () => {
    const text = printLayer({
      kind: 'tfjs',
      factory: 'dense',
      config: { name: `"}); require('child_process').exec('x'); ({"`, units: 1 },
    });
    expect(text.startsWith('tf.layers.dense({"name":"\\"}); require(')).toBe(true);
    const parsed = JSON.parse(text.slice('tf.layers.dense('.length, -1)) as { name: string };
    expect(parsed.name).toContain('child_process');
    void tf;
  });
});

describe('JSON Schema', () => {
  it('public/ganvas-project.schema.json is the one generated from the zod schema (npm run schema)', () => {
    const committed = JSON.parse(readFileSync(resolve(__dirname, '../../public/ganvas-project.schema.json'), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(projectJsonSchema())));
  });
});
