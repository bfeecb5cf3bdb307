/** Small projects for tests, built in code so each test can mutate its own copy. */
import type { ProjectInput } from '../../src/core/project/schema.js';
import { chain } from '../fixtures/conv-gan.js';

export { chain };

type Node = Parameters<typeof chain>[0][number];

/** A 2D toy GAN on a ring of 8 Gaussians: valid, small, complete. */
export function toyProject(): ProjectInput & {
  models: Record<string, { nodes: Node[]; edges: Record<string, unknown>[] }>;
} {
  return {
    format: 'ganvas/1',
    name: 'toy',
    models: {
      generator: chain([
        { id: 'z', type: 'Noise', params: { dim: 4 } },
        { id: 'g1', type: 'Dense', params: { units: 16 } },
        { id: 'g1a', type: 'ReLU' },
        { id: 'g2', type: 'Dense', params: { units: 2 } },
        { id: 'sample', type: 'Output' },
      ]),
      discriminator: chain([
        { id: 'x', type: 'Input', params: { shape: [2] } },
        { id: 'd1', type: 'Dense', params: { units: 16 } },
        { id: 'd1a', type: 'LeakyReLU', params: { alpha: 0.2 } },
        { id: 'd2', type: 'Dense', params: { units: 1 } },
        { id: 'logit', type: 'Output' },
      ]),
    },
    training: {
      nodes: [
        { id: 'data', type: 'Dataset', params: { source: 'ring' } },
        { id: 'noise', type: 'NoiseSource', params: { dim: 4 } },
        { id: 'G', type: 'ModelCall', params: { model: 'generator' } },
        { id: 'D_real', type: 'ModelCall', params: { model: 'discriminator' } },
        { id: 'D_fake', type: 'ModelCall', params: { model: 'discriminator' } },
        { id: 'loss', type: 'AdversarialLoss', params: { kind: 'non-saturating' } },
        { id: 'opt_G', type: 'Optimizer', params: { player: 'G', models: ['generator'] } },
        { id: 'opt_D', type: 'Optimizer', params: { player: 'D', models: ['discriminator'] } },
      ],
      edges: [
        { source: 'noise', target: 'G', targetPort: 'z' },
        { source: 'G', sourcePort: 'sample', target: 'D_fake', targetPort: 'x' },
        { source: 'data', sourcePort: 'x', target: 'D_real', targetPort: 'x' },
        { source: 'D_real', sourcePort: 'logit', target: 'loss', targetPort: 'real' },
        { source: 'D_fake', sourcePort: 'logit', target: 'loss', targetPort: 'fake' },
      ],
    },
  };
}
