/**
 * Import a TF.js / Keras `model.json` topology (Sequential or functional,
 * Keras 2 style as tfjs writes it) as a ganvas model graph, so an existing
 * model can be opened, checked and edited. Layers ganvas has no node for are
 * reported, located by layer name, and the import stops there.
 */
import { type Diagnostic, diag } from '../diagnostics.js';
import { NAME_PATTERN } from '../project/schema.js';

export interface ImportedGraph {
  description?: string;
  nodes: { id: string; type: string; params?: Record<string, unknown>; label?: string }[];
  edges: { source: string; target: string; targetPort?: string }[];
}

type LayerConfig = { class_name: string; config: Record<string, unknown>; name?: string; inbound_nodes?: unknown[] };

const ACTIVATIONS: Record<string, string> = {
  relu: 'ReLU',
  tanh: 'Tanh',
  sigmoid: 'Sigmoid',
  elu: 'ELU',
  linear: 'Linear',
};
const CUSTOM: Record<string, string> = {
  GanvasInstanceNorm: 'InstanceNorm',
  GanvasPixelNorm: 'PixelNorm',
  GanvasGlobalSumPool: 'GlobalSumPool',
  GanvasReflectionPad: 'ReflectionPad',
  GanvasMinibatchStdDev: 'MinibatchStdDev',
  GanvasSelfAttention: 'SelfAttention',
  GanvasNoiseInjection: 'NoiseInjection',
  GanvasStyleModulation: 'StyleModulation',
  GanvasLearnedConstant: 'LearnedConstant',
};

function safeId(name: string, taken: Set<string>): string {
  let id = name.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z]/.test(id)) id = `l_${id}`;
  id = id.slice(0, 60);
  let k = 2;
  const base = id;
  while (taken.has(id) || !NAME_PATTERN.test(id)) id = `${base.slice(0, 56)}_${k++}`;
  taken.add(id);
  return id;
}

const pair = (v: unknown): number => (Array.isArray(v) ? Number(v[0]) : Number(v));

/** The ganvas node(s) for one Keras layer: [type, params][] applied in sequence. */
function mapLayer(l: LayerConfig, all: LayerConfig[]): [string, Record<string, unknown>][] | string {
  const c = l.config;
  const act = (a: unknown): [string, Record<string, unknown>][] =>
    typeof a === 'string' && a !== 'linear' ? (ACTIVATIONS[a] ? [[ACTIVATIONS[a] as string, {}]] : []) : [];
  const unsupportedAct =
    typeof c.activation === 'string' && c.activation !== 'linear' && !ACTIVATIONS[c.activation as string];
  if (unsupportedAct) return `activation ${JSON.stringify(c.activation)} is not supported`;
  const conv = (): Record<string, unknown> => ({
    filters: c.filters,
    kernelSize: pair(c.kernel_size),
    strides: pair(c.strides ?? 1),
    padding: c.padding ?? 'valid',
    useBias: c.use_bias ?? true,
  });
  switch (l.class_name) {
    case 'InputLayer': {
      const shape = ((c.batch_input_shape ?? c.batch_shape) as (number | null)[] | undefined)?.slice(1);
      if (c.dtype === 'int32') {
        // Class ids: a Label, with the class count of the Embedding that reads it.
        const emb = all.find((x) => x.class_name === 'Embedding' && inbound(x).includes(String(c.name)));
        return [['Label', { numClasses: Number(emb?.config.input_dim ?? 10) }]];
      }
      return [['Input', { shape }]];
    }
    case 'Dense':
      return [['Dense', { units: c.units, useBias: c.use_bias ?? true }], ...act(c.activation)];
    case 'Conv2D':
      return [['Conv2D', conv()], ...act(c.activation)];
    case 'Conv2DTranspose':
      return [['ConvTranspose2D', conv()], ...act(c.activation)];
    case 'BatchNormalization':
      return [
        [
          'BatchNorm',
          {
            momentum: c.momentum ?? 0.99,
            epsilon: c.epsilon ?? 1e-3,
            scale: c.scale ?? true,
            center: c.center ?? true,
          },
        ],
      ];
    case 'LayerNormalization':
      return [['LayerNorm', { epsilon: c.epsilon ?? 1e-3 }]];
    case 'LeakyReLU':
      return [['LeakyReLU', { alpha: c.alpha ?? c.negative_slope ?? 0.3 }]];
    case 'ReLU':
      return [['ReLU', {}]];
    case 'ELU':
      return [['ELU', {}]];
    case 'Activation':
      return ACTIVATIONS[c.activation as string]
        ? [[ACTIVATIONS[c.activation as string] as string, {}]]
        : `activation ${JSON.stringify(c.activation)} is not supported`;
    case 'Flatten':
      return [['Flatten', {}]];
    case 'Reshape':
      return [['Reshape', { shape: c.target_shape }]];
    case 'Dropout':
      return [['Dropout', { rate: c.rate }]];
    case 'UpSampling2D':
      return [['Upsample', { factor: pair(c.size ?? 2), interpolation: c.interpolation ?? 'nearest' }]];
    case 'AveragePooling2D':
      return [['Downsample', { factor: pair(c.pool_size ?? 2) }]];
    case 'ZeroPadding2D':
      return [
        ['ZeroPad', { padding: Array.isArray(c.padding) ? pair((c.padding as unknown[])[0]) : Number(c.padding ?? 1) }],
      ];
    case 'Embedding':
      return [['Embedding', { numClasses: c.input_dim, dim: c.output_dim }]];
    case 'GanvasFadeIn':
      // Its alpha is run state (set by a Progressive schedule), not a param.
      return [['FadeIn', { resolution: c.resolution }]];
    case 'Concatenate':
    case 'Add':
    case 'Multiply':
      return [[l.class_name === 'Concatenate' ? 'Concat' : l.class_name, {}]];
    default:
      if (CUSTOM[l.class_name]) {
        const { name: _n, trainable: _t, dtype: _d, ...rest } = c;
        void _n;
        void _t;
        void _d;
        return [[CUSTOM[l.class_name] as string, rest]];
      }
      return `layer class ${JSON.stringify(l.class_name)} has no ganvas node`;
  }
}

/** Inbound layer names of a functional layer (tfjs / Keras 2 format). */
function inbound(l: LayerConfig): string[] {
  const nodes = l.inbound_nodes as unknown[][] | undefined;
  if (!nodes || nodes.length === 0) return [];
  const first = nodes[0] as unknown[];
  return first.map((x) => (Array.isArray(x) ? String(x[0]) : String((x as { args?: unknown }).args ?? '')));
}

export function importKerasTopology(
  json: unknown,
  name = 'imported',
): { graph?: ImportedGraph; diagnostics: Diagnostic[] } {
  const out: Diagnostic[] = [];
  const root = json as { modelTopology?: unknown };
  const topo = ((root && typeof root === 'object' && 'modelTopology' in root ? root.modelTopology : json) ?? {}) as {
    model_config?: unknown;
    class_name?: string;
    config?: unknown;
  };
  const model = (topo.model_config ?? topo) as {
    class_name?: string;
    config?: { layers?: LayerConfig[]; name?: string } | LayerConfig[];
  };
  const layers = (Array.isArray(model.config) ? model.config : model.config?.layers) as LayerConfig[] | undefined;
  if (!layers || !Array.isArray(layers)) {
    out.push(
      diag('NOT_PROJECT', 'This is not a TF.js/Keras model.json: no modelTopology with layers.', {
        path: ['modelTopology'],
      }),
    );
    return { diagnostics: out };
  }
  const sequential = model.class_name === 'Sequential';
  const taken = new Set<string>();
  const graph: ImportedGraph = { description: `Imported from model.json (${name}).`, nodes: [], edges: [] };
  /** Keras layer name -> id of the ganvas node that carries its output. */
  const outputOf = new Map<string, string>();
  let prev: string | undefined;
  if (sequential && layers[0] && layers[0].class_name !== 'InputLayer') {
    const shape = (
      (layers[0].config.batch_input_shape ?? layers[0].config.batch_shape) as (number | null)[] | undefined
    )?.slice(1);
    if (!shape) {
      out.push(
        diag(
          'SCHEMA',
          'The first layer of the Sequential model has no batch_input_shape, so the input shape is unknown.',
          { path: ['modelTopology', 'config', 'layers', 0] },
        ),
      );
      return { diagnostics: out };
    }
    const id = safeId('input', taken);
    graph.nodes.push({ id, type: 'Input', params: { shape } });
    prev = id;
  }
  for (const [i, l] of layers.entries()) {
    const lname = String(l.config.name ?? l.name ?? `layer_${i}`);
    const mapped = mapLayer(l, layers);
    if (typeof mapped === 'string') {
      out.push(
        diag(
          'UNKNOWN_NODE_TYPE',
          `Layer '${lname}' (${l.class_name}): ${mapped}. Import stopped there; edit the model or add the layer by hand.`,
          { path: ['modelTopology', 'config', 'layers', i], nodeId: lname },
        ),
      );
      return { diagnostics: out };
    }
    const sources = sequential
      ? prev
        ? [prev]
        : []
      : inbound(l)
          .map((s) => outputOf.get(s))
          .filter((s): s is string => s !== undefined);
    let last: string | undefined;
    mapped.forEach(([type, params], k) => {
      const id = safeId(k === 0 ? lname : `${lname}_${type.toLowerCase()}`, taken);
      const p = { ...params };
      if ((type === 'Concat' || type === 'Add' || type === 'Multiply') && k === 0)
        p.inputs = Math.max(2, sources.length);
      graph.nodes.push({
        id,
        type,
        ...(Object.keys(p).length ? { params: p } : {}),
        ...(id !== lname ? { label: lname } : {}),
      });
      const ins = k === 0 ? sources : [last as string];
      ins.forEach((s, j) =>
        graph.edges.push({
          source: s,
          target: id,
          ...(type === 'FadeIn'
            ? { targetPort: j === 0 ? 'new' : 'old' }
            : ins.length > 1
              ? { targetPort: `in${j}` }
              : {}),
        }),
      );
      last = id;
    });
    if (last) outputOf.set(lname, last);
    prev = last;
  }
  // Outputs: the Sequential model's last layer, or the functional model's output_layers.
  const outs = sequential
    ? [prev]
    : ((
        (Array.isArray(model.config) ? undefined : (model.config as { output_layers?: unknown[][] }).output_layers) ??
        []
      ).map((o) => outputOf.get(String(o[0]))) as (string | undefined)[]);
  outs.forEach((s, k) => {
    if (!s) return;
    const id = safeId(outs.length > 1 ? `output_${k + 1}` : 'output', taken);
    graph.nodes.push({ id, type: 'Output' });
    graph.edges.push({ source: s, target: id });
  });
  return { graph, diagnostics: out };
}
