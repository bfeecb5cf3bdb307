/**
 * Importing TF.js/Keras model.json topologies: a model ganvas compiled and
 * saved with tfjs' own format comes back with the same shapes and parameter
 * counts, a Keras Sequential JSON imports, and unknown layers are reported.
 */

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { compileModel } from '../../src/core/compile/model.js';
import { importKerasTopology } from '../../src/core/import/keras.js';
import { summarizeModel } from '../../src/core/summary.js';
import { validateProjectText, validateProjectValue } from '../../src/core/validate.js';

async function topologyOf(model: tfl.LayersModel): Promise<unknown> {
  let topology: unknown;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      topology = a.modelTopology;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return { modelTopology: topology, format: 'layers-model' };
}

function asProject(graph: unknown) {
  return validateProjectValue({ format: 'ganvas/1', name: 'imported', models: { net: graph } });
}

describe('import a model.json topology', () => {
  for (const [template, model] of [
    ['dcgan.json', 'generator'],
    ['dcgan.json', 'discriminator'],
    ['conditional-mnist.json', 'generator'],
    ['cyclegan.json', 'D_A'],
  ] as const) {
    it(`round-trips ${template} ${model} through tfjs' saved format with the same layers and parameters`, async () => {
      const a = validateProjectText(readFileSync(join(resolve(__dirname, '../..'), 'templates', template), 'utf8'));
      const original = a.models.get(model)!;
      const json = await topologyOf(compileModel(original));
      const { graph, diagnostics } = importKerasTopology(json, model);
      expect(diagnostics).toEqual([]);
      const b = asProject(graph);
      expect(b.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const s1 = summarizeModel(original);
      const s2 = summarizeModel(b.models.get('net')!);
      expect(s2.totals.trainable).toBe(s1.totals.trainable);
      expect(s2.totals.total).toBe(s1.totals.total);
      expect(s2.outputs.map((o) => o.shape)).toEqual(s1.outputs.map((o) => o.shape));
    });
  }

  it('round-trips a FadeIn (progressive growing) with its resolution, and its two inputs on new and old', async () => {
    const net = {
      nodes: [
        { id: 'img', type: 'Input', params: { shape: [8, 8, 1] } },
        { id: 'conv', type: 'Conv2D', params: { filters: 1, kernelSize: 3, strides: 1, padding: 'same' } },
        { id: 'fade', type: 'FadeIn', params: { resolution: 16 } },
        { id: 'out', type: 'Output' },
      ],
      edges: [
        { source: 'img', target: 'conv' },
        { source: 'conv', target: 'fade', targetPort: 'new' },
        { source: 'img', target: 'fade', targetPort: 'old' },
        { source: 'fade', target: 'out' },
      ],
    };
    const a = validateProjectValue({ format: 'ganvas/1', name: 'p', models: { net } });
    const { graph, diagnostics } = importKerasTopology(await topologyOf(compileModel(a.models.get('net')!)), 'net');
    expect(diagnostics).toEqual([]);
    expect(graph!.nodes.find((n) => n.type === 'FadeIn')).toMatchObject({ params: { resolution: 16 } });
    expect(graph!.edges.filter((e) => e.target === 'fade')).toEqual([
      { source: 'conv', target: 'fade', targetPort: 'new' },
      { source: 'img', target: 'fade', targetPort: 'old' },
    ]);
    expect(asProject(graph).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('imports a Keras Sequential model with activations folded into layers', () => {
    const keras = {
      modelTopology: {
        class_name: 'Sequential',
        config: {
          name: 'mlp',
          layers: [
            {
              class_name: 'Dense',
              config: { name: 'dense_in', units: 32, activation: 'relu', use_bias: true, batch_input_shape: [null, 8] },
            },
            { class_name: 'Dropout', config: { name: 'drop', rate: 0.2 } },
            { class_name: 'Dense', config: { name: 'dense_out', units: 1, activation: 'sigmoid' } },
          ],
        },
      },
    };
    const { graph, diagnostics } = importKerasTopology(keras);
    expect(diagnostics).toEqual([]);
    expect(graph!.nodes.map((n) => n.type)).toEqual([
      'Input',
      'Dense',
      'ReLU',
      'Dropout',
      'Dense',
      'Sigmoid',
      'Output',
    ]);
    const a = asProject(graph);
    expect(a.status).toBe('ok');
    expect(a.models.get('net')!.totals.trainable).toBe(8 * 32 + 32 + 32 + 1);
  });

  it('reports a layer ganvas has no node for, by name, and a file that is not a model', () => {
    const r = importKerasTopology({
      modelTopology: {
        class_name: 'Sequential',
        config: {
          layers: [{ class_name: 'LSTM', config: { name: 'rnn', units: 4, batch_input_shape: [null, 5, 3] } }],
        },
      },
    });
    expect(r.graph).toBeUndefined();
    expect(r.diagnostics[0]!.message).toContain("Layer 'rnn' (LSTM)");
    expect(importKerasTopology({ hello: 1 }).diagnostics[0]!.code).toBe('NOT_PROJECT');
  });
});
