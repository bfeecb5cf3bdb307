/**
 * What the step-time benchmarks share (bench/train-step.ts, bench/gpu-train.ts):
 * FLOPs of a step counted from the node registry, and stand-in pictures for an
 * image-folder dataset. Imports nothing of the browser-side tooling (vite,
 * Playwright), so a bundle of it runs on a bare machine.
 */
import { compileTrainingPlan, playerNodes } from '../src/core/compile/plan.js';
import type { ImageSet } from '../src/core/data/datasets.js';
import type { ProjectAnalysis } from '../src/core/validate.js';

/**
 * FLOPs of one training step, from the registry's forward FLOPs per sample:
 * for each player's update (D counted dStepsPerGStep times), each model call
 * costs its forward FLOPs x batch, three times over when it is inside the
 * tape (forward + the two products of the backward pass). The second-order
 * passes of gradient penalties are not counted: a lower bound for them.
 */
export function flopsPerStep(a: ProjectAnalysis, batch: number): number {
  const plan = compileTrainingPlan(a);
  let total = 0;
  for (const player of ['D', 'G'] as const) {
    const inside = playerNodes(plan, plan.players[player].models);
    let f = 0;
    for (const n of plan.nodes) {
      if (n.type !== 'ModelCall') continue;
      const fwd = (a.models.get(n.params.model as string)?.totals.flops ?? 0) * batch;
      f += inside.has(n.id) ? 3 * fwd : fwd;
    }
    total += f * (player === 'D' ? plan.settings.dStepsPerGStep : 1);
  }
  return total;
}

/** Stand-in pictures for DCGAN 64x64's image-folder dataset: smooth random colour fields. */
export function syntheticFolder(n: number, size: number): ImageSet {
  const pixels = new Float32Array(n * size * size * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = 0.5 + 0.5 * Math.sin(i * 0.001 + (i % 3));
  return { pixels, count: n, height: size, width: size, channels: 3 };
}

/**
 * A project whose image-folder dataset is swapped for 64x64 RGB digits of the same shape (mnist-two-domains'
 * first domain), for engines that read no folder here (the PyTorch export's train.py in the benchmarks).
 */
export function folderAsDigits(text: string): string {
  const p = JSON.parse(text);
  for (const n of p.training.nodes)
    if (n.type === 'Dataset' && n.params.source === 'folder') {
      n.params = { source: 'mnist-two-domains', size: n.params.width, channels: n.params.channels };
      for (const e of p.training.edges) if (e.source === n.id) e.sourcePort = 'a';
    }
  return JSON.stringify(p);
}
