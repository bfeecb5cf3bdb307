import type {
  AnyNodeDef,
  Dim,
  InferContext,
  InferResult,
  NodeDef,
  PortSpec,
  ShapeProblem,
  TensorType,
} from './types.js';

/** [B,28,28,1] */
export function fmtShape(shape: readonly Dim[]): string {
  return `[${shape.map((d, i) => (d === null ? (i === 0 ? 'B' : '?') : String(d))).join(',')}]`;
}

export function defineNode<P>(def: Omit<NodeDef<P>, 'kind'>): AnyNodeDef {
  // The registry stores definitions with their param type erased; params are
  // always parsed by def.params before any other member sees them.
  return { kind: 'layer', ...def } as unknown as AnyNodeDef;
}

export const IN: PortSpec[] = [{ name: 'in', doc: 'Input tensor.' }];
export const OUT: PortSpec[] = [{ name: 'out', doc: 'Output tensor.' }];

export function product(dims: readonly Dim[]): number {
  let n = 1;
  for (const d of dims) n *= d ?? 1;
  return n;
}

/** Elements per sample (batch dimension excluded). */
export function perSample(t: TensorType): number {
  return product(t.shape.slice(1));
}

export function fail(...problems: ShapeProblem[]): InferResult {
  return { problems };
}
export function ok(...outputs: TensorType[]): InferResult {
  return { outputs };
}

const RANK_HINT: Record<number, string> = {
  2: '[B,features]',
  4: '[B,H,W,C]',
};

/** Checks the rank of input `i`; returns a problem or undefined. */
export function needRank<P>(
  ctx: InferContext<P>,
  title: string,
  i: number,
  port: string,
  rank: number,
  hint?: string,
): ShapeProblem | undefined {
  const t = ctx.inputs[i] as TensorType;
  if (t.shape.length === rank) return undefined;
  const fix =
    hint ??
    (rank === 4 && t.shape.length === 2
      ? 'Add a Reshape to [H,W,C] before it.'
      : rank === 2 && t.shape.length > 2
        ? 'Add a Flatten before it.'
        : `Reshape the input to rank ${rank}.`);
  return {
    code: 'RANK',
    port,
    message:
      `${title} '${ctx.id}' needs a rank-${rank} input ${RANK_HINT[rank] ?? ''} on '${port}'; ${ctx.sources[i]}. ${fix}`.replace(
        '  ',
        ' ',
      ),
  };
}

export function needFloat<P>(ctx: InferContext<P>, title: string, i: number, port: string): ShapeProblem | undefined {
  const t = ctx.inputs[i] as TensorType;
  if (t.dtype === 'float32') return undefined;
  return {
    code: 'DTYPE',
    port,
    message: `${title} '${ctx.id}' needs float32 input on '${port}'; ${ctx.sources[i]} as int32. Feed integer labels through an Embedding first.`,
  };
}

export function firstProblem(...ps: (ShapeProblem | undefined)[]): InferResult | undefined {
  const found = ps.filter((p): p is ShapeProblem => p !== undefined);
  return found.length > 0 ? { problems: found } : undefined;
}

export function lastDim(t: TensorType): number {
  return t.shape[t.shape.length - 1] ?? 0;
}

export function same(t: TensorType): InferResult {
  return ok({ shape: [...t.shape], dtype: t.dtype });
}
