/**
 * `ganvas train --engine pytorch`: exports the project to a temporary train.py
 * (codegen/pytorch.ts), runs it with the python3 on PATH (or --python), and
 * shows its JSON lines as the same progress bar or lines as the tfjs engine;
 * the script writes the run folder itself (run.json, metrics.jsonl, samples/,
 * checkpoint.pt, generator.safetensors, result.json).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { describePhase, type ProgressivePhase } from '../core/train/index.js';
import type { ProjectAnalysis } from '../core/validate.js';
import { MNIST_BIN, ROOT } from './assets.js';
import { exportProjectPyTorch } from './export.js';

export class EngineError extends Error {}

export interface PyTorchRunOptions {
  steps?: number;
  batch?: number;
  seed?: number;
  data?: string;
  out: string;
  resume?: string;
  python?: string;
  progress: 'bar' | 'lines';
}

/** The python3 to use, checked to import torch; an EngineError says what to install when it cannot. */
export function findTorch(python = process.env.GANVAS_PYTHON ?? 'python3'): { python: string; torch: string } {
  const r = spawnSync(python, ['-c', 'import torch, sys; print(torch.__version__)'], { encoding: 'utf8' });
  if (r.error)
    throw new EngineError(
      `the pytorch engine needs Python 3 with torch: '${python}' was not found (install python3, or pass --python PATH).`,
    );
  if (r.status !== 0)
    throw new EngineError(
      `the pytorch engine needs torch (>= 1.13) for '${python}': install it (Debian: apt-get install python3-torch; elsewhere: pip install torch), or pass --python PATH to a Python that has it.`,
    );
  return { python, torch: r.stdout.trim() };
}

export async function runPyTorch(
  a: ProjectAnalysis,
  opts: PyTorchRunOptions,
  interrupted: () => boolean,
): Promise<{
  status: 'done' | 'failed' | 'interrupted';
  steps: number;
  seconds: number;
  message?: string;
  /** Why an early-stopped run stopped (settings.earlyStopping), in ganvas train's words. */
  reason?: string;
}> {
  const { python } = findTorch(opts.python);
  const dir = mkdtempSync(join(tmpdir(), 'ganvas-pytorch-'));
  const script = join(dir, 'train.py');
  writeFileSync(script, exportProjectPyTorch(a));
  const steps = opts.steps ?? 1000;
  const args = [script, '--steps', String(steps), '--out', opts.out, '--mnist', MNIST_BIN];
  // The digit classifier of the quality figures (early stopping on FID etc.; train.py reads it only then).
  args.push('--classifier', join(ROOT, 'public/models/mnist-classifier'));
  if (opts.batch !== undefined) args.push('--batch', String(opts.batch));
  if (opts.seed !== undefined) args.push('--seed', String(opts.seed));
  if (opts.data) args.push('--data', opts.data);
  if (opts.resume) args.push('--resume', opts.resume);
  const t0 = performance.now();
  const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const bar =
    opts.progress === 'bar'
      ? new cliProgress.SingleBar(
          {
            format: 'pytorch [{bar}] {value}/{total} | D {d} | G {g}{stage} | {rate} steps/s | ETA {eta_formatted}',
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  bar?.start(steps, 0, { d: '-', g: '-', rate: '-', stage: '' });
  let step = 0;
  let first: number | undefined;
  let stderr = '';
  let pending = '';
  let lastLine = 0;
  let reason: string | undefined;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      let rec: {
        type?: string;
        step?: number;
        losses?: Record<string, number>;
        seconds?: number;
        progressive?: ProgressivePhase;
        stop?: string;
      };
      try {
        rec = JSON.parse(line);
      } catch {
        continue;
      }
      if (rec.type === 'evaluation' && typeof rec.stop === 'string') reason = rec.stop;
      if (rec.type !== 'step' || rec.step === undefined) continue;
      step = rec.step;
      first ??= step - 1;
      const rate = rec.seconds ? (step - first) / rec.seconds : 0;
      const d = (rec.losses?.D ?? 0).toFixed(3);
      const g = (rec.losses?.G ?? 0).toFixed(3);
      // Progressive growing: the resolution in use, and the fade-in's alpha during a fade (as the tfjs engine shows).
      const stage = rec.progressive ? ` | ${describePhase(rec.progressive)}` : '';
      if (bar) bar.update(step, { d, g, rate: rate.toFixed(1), stage });
      else if (
        step === steps ||
        performance.now() - lastLine > 5000 ||
        step % Math.max(1, Math.floor(steps / 20)) === 0
      ) {
        lastLine = performance.now();
        process.stderr.write(`pytorch step ${step}/${steps} D ${d} G ${g}${stage} ${rate.toFixed(1)} steps/s\n`);
      }
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (c: string) => {
    stderr += c;
  });
  const poll = setInterval(() => {
    if (interrupted()) child.kill('SIGINT');
  }, 200);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(poll);
  bar?.stop();
  rmSync(dir, { recursive: true, force: true });
  const seconds = (performance.now() - t0) / 1000;
  if (interrupted()) return { status: 'interrupted', steps: step, seconds };
  if (code !== 0) {
    const lines = stderr.trim().split('\n');
    return { status: 'failed', steps: step, seconds, message: lines[lines.length - 1] ?? `python exited with ${code}` };
  }
  return { status: 'done', steps: step, seconds, ...(reason ? { reason } : {}) };
}
