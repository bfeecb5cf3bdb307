/**
 * One test per diagnostic code: a project with exactly that mistake gets a
 * diagnostic with that code, a location that points at the mistake, and a
 * sentence that says what to change.
 */
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES, type Diagnostic, type DiagnosticCode } from '../../src/core/diagnostics.js';
import { memoryBudgetDiagnostic } from '../../src/core/train/memory.js';
import {
  type ProjectAnalysis,
  validateProjectBytes,
  validateProjectText,
  validateProjectValue,
} from '../../src/core/validate.js';
import { chain, toyProject } from './fixtures.js';

type P = ReturnType<typeof toyProject>;
const G = (p: P) => p.models.generator!;
const D = (p: P) => p.models.discriminator!;
const T = (p: P) => p.training!;

function run(mutate: (p: P) => void): ProjectAnalysis {
  const p = toyProject();
  mutate(p);
  return validateProjectValue(JSON.parse(JSON.stringify(p)));
}
function find(a: ProjectAnalysis, code: DiagnosticCode): Diagnostic {
  const d = a.diagnostics.find((x) => x.code === code);
  if (!d) throw new Error(`no ${code}; got ${JSON.stringify(a.diagnostics.map((x) => [x.code, x.message]))}`);
  expect(d.message.length).toBeGreaterThan(20);
  return d;
}

const CASES: Record<DiagnosticCode, () => void> = {
  JSON_SYNTAX: () => {
    const a = validateProjectText('{\n  "format": "ganvas/1",\n  "name": "x",\n  "models": {,\n}');
    const d = find(a, 'JSON_SYNTAX');
    expect(a.status).toBe('unreadable');
    expect(d.location).toMatchObject({ line: 4, column: 14 });
    expect(d.message).toContain('line 4');
  },
  NOT_PROJECT: () => {
    expect(find(validateProjectText('[1, 2]'), 'NOT_PROJECT').message).toContain('ganvas/1');
    const a = validateProjectText('{"hello": "world"}');
    expect(a.status).toBe('unreadable');
    find(a, 'NOT_PROJECT');
  },
  FORMAT_VERSION: () => {
    const a = validateProjectText('{\n"format": "ganvas/9", "name": "x", "models": {}}');
    const d = find(a, 'FORMAT_VERSION');
    expect(a.status).toBe('unreadable');
    expect(d.location).toMatchObject({ path: ['format'], line: 2 });
  },
  SCHEMA: () => {
    const text = JSON.stringify({ ...toyProject(), models: { generator: { nodes: 'oops' } } }, null, 2);
    const d = find(validateProjectText(text), 'SCHEMA');
    expect(d.location.path).toEqual(['models', 'generator', 'nodes']);
    expect(d.location.line).toBeGreaterThan(1);
  },
  BAD_NAME: () => {
    const a = run((p) => {
      G(p).nodes[1]!.id = 'g1"); require("child_process").exec("rm -rf /'; // hostile
      G(p).edges[0]!.target = G(p).nodes[1]!.id;
      G(p).edges[1]!.source = G(p).nodes[1]!.id;
    });
    const d = find(a, 'BAD_NAME');
    expect(d.location.path).toEqual(['models', 'generator', 'nodes', 1, 'id']);
    expect(
      run(
        (p) => ((p.models as Record<string, unknown>)['bad name'] = chain([{ id: 'x', type: 'Input' }])),
      ).diagnostics.some((x) => x.code === 'BAD_NAME'),
    ).toBe(true);
  },
  DUPLICATE_ID: () => {
    const d = find(
      run((p) => (G(p).nodes[2]!.id = 'g1')),
      'DUPLICATE_ID',
    );
    expect(d.location).toMatchObject({ graph: 'generator', nodeId: 'g1' });
  },
  UNKNOWN_NODE_TYPE: () => {
    const d = find(
      run((p) => (G(p).nodes[1]!.type = 'dense')),
      'UNKNOWN_NODE_TYPE',
    );
    expect(d.message).toContain("'Dense'");
    expect(d.location.path).toEqual(['models', 'generator', 'nodes', 1, 'type']);
  },
  PARAM: () => {
    const d = find(
      run((p) => (G(p).nodes[1]!.params = { units: -3 })),
      'PARAM',
    );
    expect(d.location).toMatchObject({ nodeId: 'g1', path: ['models', 'generator', 'nodes', 1, 'params', 'units'] });
    find(
      run((p) => (G(p).nodes[1]!.params = { units: 4, colour: 'red' })),
      'PARAM',
    );
  },
  EDGE_UNKNOWN_NODE: () => {
    const d = find(
      run((p) => (G(p).edges[1]!.target = 'nope')),
      'EDGE_UNKNOWN_NODE',
    );
    expect(d.location.path).toEqual(['models', 'generator', 'edges', 1, 'target']);
  },
  EDGE_UNKNOWN_PORT: () => {
    const d = find(
      run((p) => (G(p).edges[1]!.targetPort = 'bias')),
      'EDGE_UNKNOWN_PORT',
    );
    expect(d.location).toMatchObject({ nodeId: 'g1a', port: 'bias' });
  },
  PORT_MULTIPLE: () => {
    const d = find(
      run((p) => G(p).edges.push({ source: 'z', target: 'g2' })),
      'PORT_MULTIPLE',
    );
    expect(d.location).toMatchObject({ nodeId: 'g2', port: 'in' });
  },
  UNCONNECTED_INPUT: () => {
    const d = find(
      run((p) => G(p).edges.splice(1, 1)),
      'UNCONNECTED_INPUT',
    );
    expect(d.location).toMatchObject({ graph: 'generator', nodeId: 'g1a', port: 'in' });
  },
  CYCLE: () => {
    const a = run((p) => {
      G(p).nodes.splice(1, 0, { id: 'sum', type: 'Add', params: { inputs: 2 } });
      G(p).edges = [
        { source: 'z', target: 'sum', targetPort: 'in0' },
        { source: 'sum', target: 'g1' },
        { source: 'g1', target: 'g1a' },
        { source: 'g1a', target: 'sum', targetPort: 'in1' },
        { source: 'g1a', target: 'g2' },
        { source: 'g2', target: 'sample' },
      ];
      G(p).nodes[0]!.params = { dim: 16 };
    });
    const d = find(a, 'CYCLE');
    expect(d.message).toMatch(
      /'sum' -> 'g1' -> 'g1a' -> 'sum'|'g1' -> 'g1a' -> 'sum' -> 'g1'|'g1a' -> 'sum' -> 'g1' -> 'g1a'/,
    );
  },
  NO_INPUT: () => {
    find(
      run((p) => (p.models.lonely = chain([{ id: 'c', type: 'Output' }]))),
      'NO_INPUT',
    );
  },
  NO_OUTPUT: () => {
    const d = find(
      run((p) => (G(p).nodes = G(p).nodes.filter((n) => n.type !== 'Output'))),
      'NO_OUTPUT',
    );
    expect(d.location.graph).toBe('generator');
  },
  RANK: () => {
    const d = find(
      run((p) => (G(p).nodes[3] = { id: 'g2', type: 'Conv2D', params: { filters: 2 } })),
      'RANK',
    );
    expect(d.location).toMatchObject({ graph: 'generator', nodeId: 'g2', port: 'in' });
    expect(d.message).toContain("Conv2D 'g2' needs a rank-4 input");
    expect(d.message).toContain("'g1a' gives [B,16]");
    expect(d.message).toContain('Reshape');
  },
  SHAPE: () => {
    const d = find(
      run((p) => {
        G(p).nodes.splice(3, 0, { id: 'r', type: 'Reshape', params: { shape: [3, 5] } });
        G(p).edges = chain(G(p).nodes).edges;
      }),
      'SHAPE',
    );
    expect(d.message).toContain('15');
    expect(d.location.nodeId).toBe('r');
  },
  DTYPE: () => {
    const d = find(
      run((p) => (G(p).nodes[0] = { id: 'z', type: 'Label', params: { numClasses: 10 } })),
      'DTYPE',
    );
    expect(d.message).toContain('Embedding');
  },
  SIZE_LIMIT: () => {
    const d = find(
      run((p) => {
        p.models.huge = chain([
          { id: 'x', type: 'Input', params: { shape: [2048, 2048, 64] } },
          { id: 'up', type: 'Upsample', params: { factor: 16 } },
          { id: 'o', type: 'Output' },
        ]);
      }),
      'SIZE_LIMIT',
    );
    expect(d.location).toMatchObject({ graph: 'huge', nodeId: 'up' });
  },
  UNKNOWN_BLOCK: () => {
    const d = find(
      run((p) => (G(p).nodes[2] = { id: 'g1a', type: 'Block', params: { block: 'res' } })),
      'UNKNOWN_BLOCK',
    );
    expect(d.location.path).toEqual(['models', 'generator', 'nodes', 2, 'params', 'block']);
  },
  BLOCK_RECURSION: () => {
    const a = run((p) => {
      p.blocks = {
        loop: chain([
          { id: 'i', type: 'Input' },
          { id: 'b', type: 'Block', params: { block: 'loop' } },
          { id: 'o', type: 'Output' },
        ]),
      };
      G(p).nodes[2] = { id: 'g1a', type: 'Block', params: { block: 'loop' } };
    });
    expect(find(a, 'BLOCK_RECURSION').message).toContain('loop -> loop');
  },
  BLOCK_INTERFACE: () => {
    const a = run((p) => {
      p.blocks = {
        split: {
          nodes: [
            { id: 'i', type: 'Input' },
            { id: 'o1', type: 'Output' },
            { id: 'o2', type: 'Output' },
          ],
          edges: [
            { source: 'i', target: 'o1' },
            { source: 'i', target: 'o2' },
          ],
        },
      };
      G(p).nodes[2] = { id: 'g1a', type: 'Block', params: { block: 'split', repeat: 2 } };
      G(p).edges[2] = { source: 'g1a', sourcePort: 'o1', target: 'g2' };
    });
    expect(find(a, 'BLOCK_INTERFACE').location.path).toEqual(['models', 'generator', 'nodes', 2, 'params', 'repeat']);
  },
  UNKNOWN_MODEL: () => {
    const d = find(
      run((p) => (T(p).nodes[2]!.params = { model: 'generater' })),
      'UNKNOWN_MODEL',
    );
    expect(d.location).toMatchObject({ graph: 'training', nodeId: 'G' });
  },
  MODEL_MISMATCH: () => {
    const d = find(
      run((p) => (G(p).nodes[3]!.params = { units: 3 })),
      'MODEL_MISMATCH',
    );
    expect(d.location).toMatchObject({ graph: 'training', nodeId: 'D_fake', port: 'x' });
    expect(d.message).toContain('[B,2]');
    expect(d.message).toContain('[B,3]');
  },
  DATASET_SHAPE: () => {
    const d = find(
      run((p) => (T(p).nodes[0]!.params = { source: 'mnist' })),
      'DATASET_SHAPE',
    );
    expect(d.location).toMatchObject({ nodeId: 'D_real', port: 'x' });
  },
  LABEL_COUNT: () => {
    const a = run((p) => {
      G(p).nodes.splice(
        1,
        0,
        { id: 'y', type: 'Label', params: { numClasses: 10 } },
        { id: 'emb', type: 'Embedding', params: { numClasses: 10, dim: 4 } },
        { id: 'cat', type: 'Concat', params: { inputs: 2 } },
      );
      G(p).edges = [
        { source: 'y', target: 'emb' },
        { source: 'z', target: 'cat', targetPort: 'in0' },
        { source: 'emb', target: 'cat', targetPort: 'in1' },
        { source: 'cat', target: 'g1' },
        { source: 'g1', target: 'g1a' },
        { source: 'g1a', target: 'g2' },
        { source: 'g2', target: 'sample' },
      ];
      T(p).nodes.push({ id: 'labels', type: 'LabelSource', params: { numClasses: 12 } });
      T(p).edges!.push({ source: 'labels', target: 'G', targetPort: 'y' });
    });
    expect(find(a, 'LABEL_COUNT').message).toMatch(/10 classes|12 classes/);
  },
  TRAINING_GRAPH: () => {
    expect(
      find(
        run((p) => T(p).nodes.pop()),
        'TRAINING_GRAPH',
      ).message,
    ).toContain('player D');
    expect(
      find(
        run((p) => (T(p).nodes = T(p).nodes.filter((n) => n.type !== 'AdversarialLoss'))),
        'TRAINING_GRAPH',
      ).message,
    ).toContain('AdversarialLoss');
  },
  PARAM_BUDGET: () => {
    const a = run((p) => (p.budgets = { maxParams: 10 }));
    const d = find(a, 'PARAM_BUDGET');
    expect(d.severity).toBe('warning');
    expect(a.status).toBe('ok');
    expect(d.message).toContain('114'); // generator: 4*16+16 + 16*2+2
  },
  ACTIVATION_BUDGET: () => {
    const d = find(
      run((p) => (p.budgets = { maxActivationBytesPerSample: 16 })),
      'ACTIVATION_BUDGET',
    );
    expect(d.severity).toBe('warning');
  },
  LIMIT: () => {
    const deep = `{"format": "ganvas/1",\n "x": ${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const a = validateProjectText(deep);
    expect(a.status).toBe('unreadable');
    expect(find(a, 'LIMIT').location).toMatchObject({ line: 2, column: 70 });
    const b = run((p) => {
      const input = { id: 'i', type: 'Input', params: { shape: [16] } };
      p.blocks = { b: { nodes: [input, { id: 'o', type: 'Output' }], edges: [{ source: 'i', target: 'o' }] } };
      for (let k = 0; k < 3; k++) {
        const x = { id: 'x', type: 'Block', params: { block: k ? `b${k - 1}` : 'b', repeat: 256 } };
        const edges = [
          { source: 'i', target: 'x' },
          { source: 'x', target: 'o' },
        ];
        p.blocks[`b${k}`] = { nodes: [input, x, { id: 'o', type: 'Output' }], edges };
      }
      G(p).nodes.push({ id: 'huge', type: 'Block', params: { block: 'b2', repeat: 256 } });
    });
    expect(find(b, 'LIMIT').location).toMatchObject({ graph: 'generator', nodeId: 'huge' });
  },
  ENCODING: () => {
    const text = JSON.stringify(toyProject(), null, 2).replace('"name": "', '"name": "\u00e9');
    const bytes = new TextEncoder().encode(text);
    bytes[bytes.indexOf(0xc3)] = 0xff;
    const a = validateProjectBytes(bytes);
    expect(a.status).toBe('unreadable');
    expect(find(a, 'ENCODING').location).toMatchObject({ line: 3 });
  },
  UNTRAINABLE: () => {
    // The loss judges the data and the samples directly: no discriminator call feeds it.
    const a = run((p) => {
      T(p).edges = T(p).edges!.map((e) =>
        e.target !== 'loss'
          ? e
          : e.targetPort === 'real'
            ? { source: 'data', sourcePort: 'x', target: 'loss', targetPort: 'real' }
            : { source: 'G', sourcePort: 'sample', target: 'loss', targetPort: 'fake' },
      );
    });
    const d = find(a, 'UNTRAINABLE');
    expect(d.message).toContain('Player D has no loss term that depends on');
    expect(d.location).toMatchObject({ graph: 'training', nodeId: 'loss', path: ['training', 'nodes', 5] });
    expect(a.status).toBe('invalid');
  },
  MEMORY_BUDGET: () => {
    // Not a validation diagnostic (it depends on the backend): train and export ask for it.
    const a = run((p) => (G(p).nodes[1]!.params = { units: 1_000_000 }));
    expect(a.status).toBe('ok');
    expect(memoryBudgetDiagnostic(a, 'cpu', 16)).toBeUndefined();
    const d = memoryBudgetDiagnostic(a, 'webgl', 4096);
    expect(d?.code).toBe('MEMORY_BUDGET');
    expect(d?.message).toMatch(/needs about .* over the 1.0 GiB budget of the webgl backend: 7,000,067 parameters/);
    expect(d?.message).toMatch(/optimizer moments.* activations .* at batch size 4096/);
  },
  FORBIDDEN_KEY: () => {
    const text = JSON.stringify(toyProject(), null, 2).replace('"params": {', '"params": {\n"__proto__": {"u": 3},');
    const d = find(validateProjectText(text), 'FORBIDDEN_KEY');
    expect(d.location.path?.slice(-2)).toEqual(['params', '__proto__']);
    expect(d.location.line).toBeGreaterThan(1);
  },
  UNUSED_NODE: () => {
    const a = run((p) => {
      G(p).nodes.push({ id: 'spare', type: 'Dense', params: { units: 3 } });
      G(p).edges.push({ source: 'g1a', target: 'spare' });
    });
    const d = find(a, 'UNUSED_NODE');
    expect(d).toMatchObject({ severity: 'warning', location: { nodeId: 'spare' } });
    expect(a.status).toBe('ok');
  },
};

describe('diagnostics', () => {
  it('the fixture project is valid', () => {
    const a = validateProjectValue(toyProject());
    expect(a.diagnostics).toEqual([]);
    expect(a.status).toBe('ok');
  });
  it('has a test for every code', () => {
    expect(Object.keys(DIAGNOSTIC_CODES).sort()).toEqual(Object.keys(CASES).sort());
  });
  for (const [code, test] of Object.entries(CASES)) it(code, test);

  it('reports every problem of a project at once, and one per mistake', () => {
    const a = run((p) => {
      G(p).nodes[1]!.params = { units: 0 };
      D(p).nodes[3] = { id: 'd2', type: 'Conv2D' };
    });
    expect(a.diagnostics.map((d) => d.code).sort()).toEqual(['PARAM', 'RANK']);
  });

  it('locates a node error in the source text by line', () => {
    const p = toyProject();
    G(p).nodes[3]!.params = { units: 'many' };
    const text = JSON.stringify(p, null, 2);
    const d = find(validateProjectText(text), 'PARAM');
    const line = text.split('\n')[(d.location.line as number) - 1];
    expect(line).toContain('"units"');
  });
});
