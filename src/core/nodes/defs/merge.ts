import { z } from 'zod';
import { defineNode, fmtShape, needFloat, OUT, ok, perSample } from '../helpers.js';
import type { InferContext, InferResult, PortSpec, ShapeProblem } from '../types.js';

const arity = z.number().int().min(2).max(16).default(2).describe('Number of input ports.');

function ports(n: number): PortSpec[] {
  return Array.from({ length: n }, (_, i) => ({ name: `in${i}`, doc: `Input ${i}.` }));
}

function elementwise(ctx: InferContext<{ inputs: number }>, title: string): InferResult {
  const [a] = ctx.inputs;
  const problems: ShapeProblem[] = [];
  ctx.inputs.forEach((t, i) => {
    const f = needFloat(ctx, title, i, `in${i}`);
    if (f) problems.push(f);
    else if (t.shape.length !== a!.shape.length || t.shape.some((d, j) => d !== a!.shape[j]))
      problems.push({
        code: t.shape.length !== a!.shape.length ? 'RANK' : 'SHAPE',
        port: `in${i}`,
        message: `${title} '${ctx.id}' needs all inputs of one shape: in0 is ${fmtShape(a!.shape)} but ${ctx.sources[i]} on in${i}.`,
      });
  });
  return problems.length ? { problems } : ok({ shape: [...a!.shape], dtype: 'float32' });
}

export const Add = defineNode({
  type: 'Add',
  title: 'Add',
  category: 'merge',
  doc: 'Element-wise sum of inputs of one shape: the skip connection of a residual block.',
  params: z.object({ inputs: arity }).strict(),
  inputs: (p) => ports(p.inputs),
  outputs: () => OUT,
  infer: (ctx) => elementwise(ctx, 'Add'),
  paramCount: () => ({ trainable: 0, nonTrainable: 0 }),
  flops: (p, [x]) => (p.inputs - 1) * perSample(x!),
  layers: (_p, name) => [{ kind: 'tfjs', factory: 'add', config: { name } }],
});

export const Multiply = defineNode({
  type: 'Multiply',
  title: 'Multiply',
  category: 'merge',
  doc: 'Element-wise product of inputs of one shape (e.g. a label embedding gating the latent vector).',
  params: z.object({ inputs: arity }).strict(),
  inputs: (p) => ports(p.inputs),
  outputs: () => OUT,
  infer: (ctx) => elementwise(ctx, 'Multiply'),
  paramCount: () => ({ trainable: 0, nonTrainable: 0 }),
  flops: (p, [x]) => (p.inputs - 1) * perSample(x!),
  layers: (_p, name) => [{ kind: 'tfjs', factory: 'multiply', config: { name } }],
});

export const Concat = defineNode({
  type: 'Concat',
  title: 'Concat',
  category: 'merge',
  doc: 'Joins inputs along the channel (last) axis; all other dimensions must agree. U-Net skip connections (pix2pix) and label conditioning use it.',
  params: z.object({ inputs: arity }).strict(),
  inputs: (p) => ports(p.inputs),
  outputs: () => OUT,
  infer: (ctx) => {
    const [a] = ctx.inputs;
    const problems: ShapeProblem[] = [];
    let channels = 0;
    ctx.inputs.forEach((t, i) => {
      const f = needFloat(ctx, 'Concat', i, `in${i}`);
      if (f) return void problems.push(f);
      if (t.shape.length !== a!.shape.length)
        return void problems.push({
          code: 'RANK',
          port: `in${i}`,
          message: `Concat '${ctx.id}' needs inputs of one rank: in0 is ${fmtShape(a!.shape)} but ${ctx.sources[i]} on in${i}.`,
        });
      if (t.shape.slice(0, -1).some((d, j) => d !== a!.shape[j]))
        return void problems.push({
          code: 'SHAPE',
          port: `in${i}`,
          message: `Concat '${ctx.id}' joins along channels, so all other sizes must match: in0 is ${fmtShape(a!.shape)} but ${ctx.sources[i]} on in${i}. Resize one side.`,
        });
      channels += t.shape[t.shape.length - 1] ?? 0;
    });
    if (problems.length) return { problems };
    return ok({ shape: [...a!.shape.slice(0, -1), channels], dtype: 'float32' });
  },
  paramCount: () => ({ trainable: 0, nonTrainable: 0 }),
  flops: () => 0,
  layers: (_p, name) => [{ kind: 'tfjs', factory: 'concatenate', config: { name, axis: -1 } }],
});
