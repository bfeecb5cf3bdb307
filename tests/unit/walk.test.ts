/**
 * One walk, many emitters: the training plan's walk (compile/plan.ts) and the
 * model walk (compile/model.ts) are generic over the target. A third target
 * here (a pseudo-code printer written in the test) is one emitter and needs
 * no walk of its own; the programs follow the stated rules on every template.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ModelEmitter, walkModel } from '../../src/core/compile/model.js';
import {
  compileTrainingPlan,
  type EmitContext,
  type EmitInputs,
  emitNodes,
  isValueNode,
  PlanError,
  type PlanNode,
  playerNodes,
  playerProgram,
  sampleProgram,
  type TrainingEmitter,
} from '../../src/core/compile/plan.js';
import type { TrainingOp } from '../../src/core/nodes/training.js';
import { validateProjectText } from '../../src/core/validate.js';

const ROOT = join(import.meta.dirname, '../..');
const templates = readdirSync(join(ROOT, 'templates'))
  .filter((f) => f.endsWith('.json'))
  .sort();
const load = (f: string) => validateProjectText(readFileSync(join(ROOT, 'templates', f), 'utf8'));

/** A third target: prints each op as pseudo-code, values are the names that hold them. */
class PseudoEmitter implements TrainingEmitter<string> {
  readonly lines: string[] = [];
  emit(n: PlanNode & { op: TrainingOp }, inputs: EmitInputs<string>, ctx: EmitContext): string[] {
    const player = ctx.player === 'sample' ? 'G' : ctx.player;
    const reads = n.inputs.filter((i) => !n.reads?.[player] || n.reads[player].includes(i.port));
    const args = reads.map((i) => `${i.port}=${inputs.get(i.port)}`).join(', ');
    this.lines.push(`${n.id} = ${n.op.op}${n.op.op === 'call' ? `:${n.op.model}` : ''}(${args}) [${ctx.player}]`);
    return n.outputPorts.length > 0 ? n.outputPorts.map((p) => `${n.id}.${p}`) : [n.id];
  }
}

describe('the training walk', () => {
  it('a new target is one emitter: the toy ring as pseudo-code', () => {
    const plan = compileTrainingPlan(load('toy-ring.json'));
    const printG = new PseudoEmitter();
    const g = playerProgram(plan, 'G');
    const values = new Map<string, string[]>();
    emitNodes(plan, g.outside, printG, values, { player: 'G', training: true });
    emitNodes(plan, g.inside, printG, values, { player: 'G', training: true });
    // G's update: noise outside the tape, G and D on fake inside, its one term; its term reads D on fake
    // only, so neither the real batch nor D on it is evaluated.
    expect(printG.lines).toEqual([
      'noise = noise() [G]',
      'G = call:generator(z=noise.out) [G]',
      'D_fake = call:discriminator(x=G.point) [G]',
      'loss = adversarial(fake=D_fake.critic) [G]',
    ]);
    expect(g.terms.map((t) => t.id)).toEqual(['loss']);
    const d = playerProgram(plan, 'D');
    expect(d.outside.map((n) => n.id)).toEqual(['ring', 'noise', 'G']);
    expect(d.inside.map((n) => n.id)).toEqual(['D_real', 'D_fake', 'gp', 'loss']);
    expect(d.terms.map((t) => t.id)).toEqual(['gp', 'loss']);
  });

  for (const f of templates)
    it(`${f}: each player's program follows the rule`, () => {
      const plan = compileTrainingPlan(load(f));
      for (const player of ['D', 'G'] as const) {
        const program = playerProgram(plan, player);
        const inside = playerNodes(plan, plan.players[player].models);
        // Outside: every value node that does not depend on the player's weights; inside: those that do, and its terms.
        expect(program.outside.every((n) => isValueNode(n) && !inside.has(n.id))).toBe(true);
        expect(program.inside.every((n) => inside.has(n.id))).toBe(true);
        expect(program.terms.length).toBeGreaterThan(0);
        for (const t of program.terms) expect(program.inside).toContain(t);
        // No loss term of the other player is evaluated in this player's tape.
        const other = plan.players[player === 'D' ? 'G' : 'D'].terms.filter((t) => !program.terms.includes(t));
        for (const t of other) expect(program.inside).not.toContain(t);
        // Every input of every walked node is walked before it.
        const seen = new Set<string>();
        for (const n of [...program.outside, ...program.inside]) {
          const reads = n.inputs.filter((i) => !n.reads?.[player] || n.reads[player].includes(i.port));
          for (const i of reads) expect(seen.has(i.node), `${f} ${player}: ${n.id} before ${i.node}`).toBe(true);
          seen.add(n.id);
        }
      }
      // The sample program ends at a generator call and holds exactly what feeds it.
      const { target, nodes } = sampleProgram(plan);
      expect(target.op?.op === 'call' && plan.players.G.models.includes(target.op.model)).toBe(true);
      expect(nodes[nodes.length - 1]).toBe(target);
      expect(nodes.every((n) => isValueNode(n))).toBe(true);
    });

  it('a player with no loss term that depends on its models is refused when the plan is walked', () => {
    const p = JSON.parse(readFileSync(join(ROOT, 'templates/toy-ring.json'), 'utf8'));
    p.training.nodes = p.training.nodes.filter((n: { id: string }) => n.id !== 'gp');
    p.training.edges = p.training.edges.filter((e: { target: string }) => e.target !== 'gp');
    const plan = compileTrainingPlan(validateProjectText(JSON.stringify(p)));
    expect(() => playerProgram(plan, 'D')).not.toThrow();
    // Take D's terms away (what validation cannot yet see: a term fed without a D call in between).
    plan.players.D.terms = [];
    expect(() => playerProgram(plan, 'D')).toThrow(PlanError);
  });
});

describe('a player computes only what its terms read', () => {
  it("one training step of the ring runs D 4 times (real, fake, the penalty; fake in G's update) and G twice", async () => {
    const { Trainer } = await import('../../src/core/train/trainer.js');
    const t = new Trainer(load('toy-ring.json'), { batchSize: 8, dStepsPerGStep: 1 });
    const calls = { generator: 0, discriminator: 0 };
    for (const [name, m] of t.models) {
      const apply = m.apply.bind(m);
      m.apply = ((...args: Parameters<typeof apply>) => {
        calls[name as keyof typeof calls]++;
        return apply(...args);
      }) as typeof m.apply;
    }
    await t.trainStep();
    // Before G's update stopped evaluating D on the real batch, D ran 5 times per step.
    expect(calls).toEqual({ generator: 2, discriminator: 4 });
    t.dispose();
  });

  for (const f of templates)
    it(`${f}: no update evaluates a value that none of its terms reads`, () => {
      const plan = compileTrainingPlan(load(f));
      for (const player of ['D', 'G'] as const) {
        const { outside, inside, terms } = playerProgram(plan, player);
        const walked = [...outside, ...inside];
        const read = new Set<string>();
        for (const n of [...walked].reverse())
          if (terms.includes(n) || read.has(n.id)) {
            const ports = terms.includes(n) ? n.reads?.[player] : undefined;
            for (const i of n.inputs) if (!ports || ports.includes(i.port)) read.add(i.node);
            for (const a of n.criticArgs ?? []) if (a) read.add(a.node);
          }
        for (const n of walked) expect(terms.includes(n) || read.has(n.id), `${f} ${player}: ${n.id}`).toBe(true);
      }
    });
});

describe('the model walk', () => {
  for (const f of templates)
    it(`${f}: every live layer node is emitted once, inputs and outputs as the analysis has them`, () => {
      const a = load(f);
      for (const m of a.models.values()) {
        const emitted: string[] = [];
        const counter: ModelEmitter<string> = {
          input: (info) => info.id,
          duplicate: (x, name) => `${name}(${x})`,
          node: (info, specs, args) => {
            expect(specs.length, info.id).toBeGreaterThan(0);
            expect(args.length, info.id).toBe(info.inputPorts.length);
            emitted.push(info.id);
            return info.id;
          },
        };
        const { inputs, outputs } = walkModel(m, counter);
        expect(inputs).toEqual(m.inputs.map((n) => n.id));
        expect(outputs.length).toBe(m.outputs.length);
        const live = m.order.filter((n) => n.live && n.def && !n.def.modelInput && !n.def.modelOutput);
        expect(emitted).toEqual(live.map((n) => n.id));
      }
    });
});
