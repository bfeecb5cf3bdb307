/**
 * Writes docs/benchmarks.md from bench/results.json: every table comes from
 * the measured numbers, with the machine each section ran on.
 *
 *   npx tsx bench/report.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../src/cli/assets.js';
import { readResults } from './common.js';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- results.json is free-form JSON written by the bench scripts
const r = readResults() as Any;
const f = (x: number | undefined, d = 1) =>
  x === undefined || !Number.isFinite(x)
    ? '-'
    : x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const machineLine = (m: Any | undefined) =>
  m
    ? `Machine: ${m.cpu}, ${m.cores} cores${m.memoryGiB ? `, ${m.memoryGiB} GiB` : ''}, Node ${m.node}${m.browser ? `; ${m.browser}` : ''}; measured ${String(m.date).slice(0, 16).replace('T', ' ')} UTC.`
    : '';
const out: string[] = [];
const p = (...lines: string[]) => out.push(...lines);

p(
  '# Benchmarks',
  '',
  '`npm run bench` runs every benchmark and writes `bench/results.json`; `npx tsx bench/report.ts` (the last step of `npm run bench`) writes this page from it. No test asserts a time, and a slow number never fails a build.',
  '',
);

const v = r.validate as Any | undefined;
if (v) {
  p('## Validation and shape inference (`bench/validate.ts`)', '', machineLine(v.machine), '');
  p(
    'Generated models of Dense / LeakyReLU blocks with an Add skip every 4 blocks. "Full" is `validateProjectValue` (parse, structure, block expansion, topological order, shape inference of every node, totals, training graph): what every structural edit costs. The param edits go through `reanalyzeParamEdit`, which the inspector uses: it infers the edited node again and then only the nodes whose input types changed, in topological order. Medians.',
    '',
  );
  p(
    '| nodes | full validation | edit: LeakyReLU slope | reach | edit: first Dense width | reach |',
    '|---|---|---|---|---|---|',
  );
  for (const x of v.rows)
    p(
      `| ${x.nodes.toLocaleString('en-US')} | ${f(x.fullValidationMs, 2)} ms | ${f(x.editSlope.ms, 3)} ms | ${x.editSlope.reach} | ${f(x.editWidth.ms, 3)} ms | ${x.editWidth.reach} |`,
    );
  const first = v.rows[0];
  const last = v.rows[v.rows.length - 1];
  if (first && last)
    p(
      '',
      `From ${first.nodes.toLocaleString('en-US')} to ${last.nodes.toLocaleString('en-US')} nodes the full validation grows ${f(last.fullValidationMs / first.fullValidationMs, 0)}x (linear); an edit's re-inference stays with its reach (${f(first.editWidth.ms, 3)} -> ${f(last.editWidth.ms, 3)} ms for a reach of ${last.editWidth.reach} nodes). Its result equals a full validation's (property test, tests/unit/incremental.test.ts).`,
    );
  p('');
}

const t = r.trainStep as Any | undefined;
if (t) {
  p(
    '## Training step time, Node (`bench/train-step.ts`)',
    '',
    machineLine(t.machine),
    `tfjs ${t.machine?.tfjs ?? ''}; WASM ${t.machine?.wasmThreads ?? ''}. Seed 0; warm-up steps discarded.`,
    '',
  );
  p(
    `FLOPs per step: ${t.flopsMethod}. Achieved FLOP/s is that count over the measured step time; the peak is the backend's own 512x1024x512 matmul rate on this machine (WASM ${f(t.peaksGflops?.wasm, 2)} GFLOP/s, CPU ${f(t.peaksGflops?.cpu, 2)} GFLOP/s).`,
    '',
  );
  p(
    '| template | backend | batch | ms/step | steps/s | GFLOP/step | GFLOP/s | % of matmul peak | note |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const x of t.rows)
    p(
      `| ${x.template} | ${x.backend} | ${x.batch} | ${f(x.msPerStep)} | ${f(x.stepsPerSecond, 2)} | ${f(x.gflopPerStep, 3)} | ${f(x.gflops, 2)} | ${f((100 * x.gflops) / (t.peaksGflops?.[x.backend] ?? NaN), 0)}% | ${x.note ?? ''} |`,
    );
  const o = t.overhead;
  if (o)
    p(
      '',
      '### Overhead against hand-written TF.js',
      '',
      `The MNIST DCGAN of templates/dcgan-mnist.json written directly with \`tf.layers\` and a plain non-saturating loop (\`bench/handwritten.ts\`), against ganvas training the template (EMA off, as the plain loop has none), alternating step by step in the same process on ${o.backend}, batch ${o.batch}, ${o.steps} steps each:`,
      '',
      '| | ms/step |',
      '|---|---|',
      `| hand-written tf.layers | ${f(o.handwrittenMsPerStep)} |`,
      `| ganvas (Trainer) | ${f(o.ganvasMsPerStep)} |`,
      `| ratio ganvas / hand-written | **${f(o.ratio, 3)}** |`,
      '',
      'ganvas does a little more per step than the plain loop: it reads every loss term, D(real)/D(fake) and both gradient norms back each step, and runs each player in its own tape.',
    );
  if (t.exported?.length) {
    p(
      '',
      '### The exported script against the in-app trainer',
      '',
      '`ganvas export --target ts`, run with `node --import tsx` on WASM; per-step time from two runs of different lengths, so start-up cancels out.',
      '',
      '| template | batch | exported script ms/step | in-app ms/step | ratio |',
      '|---|---|---|---|---|',
    );
    for (const x of t.exported)
      p(`| ${x.template} | ${x.batch} | ${f(x.scriptMsPerStep)} | ${f(x.inAppMsPerStep)} | ${f(x.ratio, 2)} |`);
  }
  p('');
}

const k = r.wasmKernels as Any | undefined;
if (k) {
  const m = k.machine as Any;
  p("## WASM kernels: ganvas' against tfjs' own (`bench/wasm-kernels.ts`)", '', machineLine(m));
  p(
    `Load average (1 min) at start ${f(m?.loadAverageAtStart, 2)}, at end ${f(m?.loadAverageAtEnd, 2)}: the machine is shared, so absolute times vary with load; the kernel sets alternate in rounds in one process, so their ratios do not.`,
    '',
  );
  if (k.load) p(`uptime at start and end: ${(k.load as string[]).join(' / ')}.`, '');
  const configs = (k.configs ?? { before: k.before, after: k.after }) as Record<string, string>;
  p(
    `${k.template} on WASM (one thread). ${Object.entries(configs)
      .map(([name, what]) => `"${name}": ${what}.`)
      .join(
        ' ',
      )}${k.common ? ` Common to all rows: ${k.common}.` : ''} Matmul-equivalents: ms/step over the ms of one 512x1024x512 matmul measured in the same rounds (the issue-14 target is <= 4).`,
    '',
  );
  p("Median of the rounds, and the fastest round (the least disturbed by the machine's other work).", '');
  p(
    '| batch | kernels | ms/step (median) | matmul ms | matmul-equivalents/step | ms/step (fastest round) |',
    '|---|---|---|---|---|---|',
  );
  for (const x of k.rows)
    p(
      `| ${x.batch} | ${x.kernels} | ${f(x.msPerStep)} | ${f(x.matmulMs)} | ${f(x.matmulEquivalents, 2)} | ${f(x.msPerStepMin)} |`,
    );
  const names = Object.keys(configs);
  const [first, last] = [names[0], names[names.length - 1]];
  const ratio = (b: number, from: string | undefined, to: string | undefined) => {
    const [bef, aft] = [
      k.rows.find((x: Any) => x.batch === b && x.kernels === from),
      k.rows.find((x: Any) => x.batch === b && x.kernels === to),
    ];
    return bef && aft
      ? `batch ${b}: ${f(bef.msPerStep / aft.msPerStep, 2)}x (median), ${f(bef.msPerStepMin / aft.msPerStepMin, 2)}x (fastest rounds)`
      : '';
  };
  const pairs =
    names.length > 2
      ? [
          [first, last],
          [names[names.length - 2], last],
        ]
      : [[first, last]];
  for (const [from, to] of pairs)
    p(
      '',
      `Speed-up of the step, "${to}" over "${from}": ${[16, 64]
        .map((b) => ratio(b, from, to))
        .filter(Boolean)
        .join('; ')}.`,
    );
  if (k.previous?.rows) {
    p(
      '',
      `The previous run (${String(k.previous.date ?? '')
        .slice(0, 16)
        .replace(
          'T',
          ' ',
        )} UTC, before this round's kernels and the other changes of the same commit), for comparison across runs (its load differed):`,
      '',
      '| batch | kernels | ms/step (median) | matmul ms | matmul-equivalents/step | ms/step (fastest round) |',
      '|---|---|---|---|---|---|',
    );
    for (const x of k.previous.rows as Any[])
      p(
        `| ${x.batch} | ${x.kernels} | ${f(x.msPerStep)} | ${f(x.matmulMs)} | ${f(x.matmulEquivalents, 2)} | ${f(x.msPerStepMin)} |`,
      );
  }
  p('');
  p(
    '',
    "Kernel profile of one step (`tf.profile`, the faster of two; share of that step's wall time). ganvas' Conv2DBackpropInput and Conv2DBackpropFilter are built from other kernels (Conv2D, Transpose, Pad), which the profile also lists under their own names: those rows overlap.",
    '',
  );
  p('| batch | kernels | step ms | top 5 kernels (ms, share) |', '|---|---|---|---|');
  for (const x of k.profiles)
    p(
      `| ${x.batch} | ${x.kernels} | ${f(x.stepMs, 0)} | ${x.top.map((t: Any) => `${t.kernel} ${f(t.ms, 0)} (${f(100 * t.share, 0)}%)`).join(', ')} |`,
    );
  p('');
}

const b = r.browserTrain as Any | undefined;
if (b) {
  p('## Training in the page, Chromium (`bench/browser-train.ts`)', '', machineLine(b.machine), '');
  p(
    `Through the real training panel (it draws samples every 10 steps or 1.5 s, included), each template's own batch size, ${b.measureMs / 1000} s measured after two warm-up steps, a fresh browser per row. WASM and CPU train in a Web Worker; WebGPU and WebGL on the page. Without a GPU, Chromium's WebGPU and WebGL run on SwiftShader, a software rasterizer: those rows measure the code path, not GPU speed.`,
    '',
  );
  p('| template | backend | batch | steps/s | ms/step | note |', '|---|---|---|---|---|---|');
  for (const x of b.rows)
    p(
      `| ${x.template} | ${x.backend} | ${x.batch ?? '-'} | ${x.stepsPerSecond !== undefined ? f(x.stepsPerSecond, 3) : '-'} | ${x.stepsPerSecond ? f(1000 / x.stepsPerSecond, 0) : '-'} | ${x.note ?? ''} |`,
    );
  p('');
}

const ac = r.autoChoice as Any | undefined;
if (ac) {
  p("## Auto's choice, Chromium (`bench/auto-choice.ts`)", '', machineLine(ac.machine), '');
  p(
    'What "auto" measured (one training step of the project on each candidate, after a warm-up step) and picked, as the training panel reports it. SwiftShader WebGPU is set aside without timing while another backend starts. "start" is Start to the first step shown, measurement included.',
    '',
  );
  p('| template | reported by the panel | cross-origin isolated | start |', '|---|---|---|---|');
  for (const x of ac.rows)
    p(`| ${x.template} | ${x.reported} | ${x.isolated ? 'yes' : 'no'} | ${f(x.startSeconds)} s |`);
  p('');
}

const gc = r.gpuCounts as Any | undefined;
if (gc) {
  p('## What a step asks of the GPU, Chromium (`bench/gpu-counts.ts`)', '', machineLine(gc.machine), '');
  if (gc.machine?.load)
    p(`Load (uptime) before and after each pass: ${(gc.machine.load as string[]).join(' / ')}.`, '');
  p(
    "Per training step after 3 warm-up steps (average of 3), counted by wrapping the WebGPU and WebGL2 methods in the page: dispatches (`dispatchWorkgroups`; WebGL: draw calls), compilations (`createComputePipeline(Async)`; WebGL: `linkProgram`), GPU-to-CPU reads (`mapAsync` for reading; WebGL: `readPixels`), tfjs-webgpu's synchronous reads (`copyBufferToTexture`, `dataSync`), queue submits and uploads (`writeBuffer`; WebGL: `texSubImage2D`/`bufferSubData`). These counts are the same on any GPU; the ms are SwiftShader's (software) and show only the code path. \"handwritten ring\" is the ring template written directly with tf.layers (same MLPs, WGAN-GP, 5 critic steps, one read of the losses per step). matmul: tfjs-webgpu's `WEBGPU_MATMUL_PROGRAM_TYPE` (-1: tfjs' own choice; 3: the packed program ganvas sets on a software adapter).",
    '',
  );
  p(
    '| backend | matmul | run | dispatches | compilations (first step) | compilations after warm-up (most in a step) | reads | sync reads | submits | uploads | ms/step |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const x of gc.rows)
    p(
      `| ${x.backend} | ${x.matmulProgram ?? '-'} | ${x.variant} | ${f(x.perStep.dispatches, 0)} | ${x.firstStepCompilations} | ${f(x.perStep.compilations, 0)} (${x.maxCompilationsInAStep}) | ${f(x.perStep.reads, 0)} | ${f(x.perStep.syncReads, 0)} | ${f(x.perStep.submits, 0)} | ${f(x.perStep.uploads, 0)} | ${f(x.msPerStep, 0)} |`,
    );
  p('', 'One small op, in a chain of 100 read once (ms per op, SwiftShader):', '');
  p('| backend | op | ms |', '|---|---|---|');
  for (const x of gc.perDispatchMs) p(`| ${x.backend} | ${x.op} | ${f(x.ms, 2)} |`);
  p(
    '',
    "Why the ring took seconds per step on SwiftShader WebGPU: neither compilations (none after warm-up) nor reads (one per step, all metrics batched), but tfjs-webgpu's matmul heuristic: for the step's small matmuls it picks its reduce and small-output programs, whose workgroup barriers SwiftShader runs serially; the packed program, which ganvas now sets on a software adapter, is several times faster there (the DCGAN step, made of convolutions, does not change). What remains is SwiftShader's cost per dispatch. Before this work (measured the same way, 2026-11-25 21:03 UTC, load 5.3) ganvas' ring step read each metric apart (10 reads per step) and computed the metrics of every D update (1,465 dispatches per step against the hand-written 1,317); both are fixed in the trainer. Since 2026-11-26 Adam and the EMA update their small variables together (`groupedUpdate`, src/core/train/optimizers.ts: the same bits as tf.train.adam): the ring's step went from 1,392 dispatches to 997, DCGAN-MNIST's from 683 to 513, now fewer than the hand-written ring's, which uses tf.train.adam. Adam also keeps its numbers (betas, epsilon, the learning rate) as kept scalars: on WebGPU each number operand had been a new tensor uploaded through a staging buffer of its own (a ring step created and destroyed 159 buffers, now 111; counted by wrapping Dawn's methods in Node, on SwiftShader).",
    '',
  );
}

const e = r.editor as Any | undefined;
if (e) {
  p(
    '## Editor, Chromium (`bench/editor.ts`)',
    '',
    machineLine(e.machine),
    '',
    'A model of 500 nodes (the generated graph above).',
    '',
    '| figure | value |',
    '|---|---|',
  );
  p(`| time to first render of the 500-node graph after Open | ${f(e.first_render_500_ms / 1000, 2)} s |`);
  p(`| frame rate while dragging a node of the 500-node graph | ${f(e.drag_500_fps, 0)} fps |`);
  p(
    `| full re-validation after one edit, 100 / 500 / 1,000 nodes (Node, median of 10) | ${f(e.revalidate_100_ms_median, 1)} / ${f(e.revalidate_500_ms_median, 1)} / ${f(e.revalidate_1000_ms_median, 1)} ms |`,
    '',
  );
}

const h = r.hostile as Any | undefined;
if (h) {
  p('## Hostile input and long sessions (`bench/hostile.ts`)', '', machineLine(h.machine), '');
  p(
    'Validation (`validateProjectText`) of huge and hostile files; the limits of src/core/project/limits.ts refuse the last two before any work.',
    '',
    '| file | size | verdict | diagnostics | time |',
    '|---|---|---|---|---|',
  );
  for (const x of h.validation)
    p(
      `| ${x.case} | ${f(x.bytes / 2 ** 20, 1)} MiB | ${x.status} | ${x.diagnostics.toLocaleString('en-US')} | ${f(x.ms, 0)} ms |`,
    );
  const s = h.soak as Any;
  p(
    '',
    `Soak: templates/toy-ring.json trained for ${s.steps.toLocaleString('en-US')} steps on ${s.backend} through the Trainer API, with a sample of 256 points and a checkpoint saved, decoded and restored every 500 steps (${f(s.seconds, 0)} s in all; heap measured after a forced GC: ${s.gcExposed ? 'yes' : 'no'}).`,
    '',
    '| | step | heap | tensors | tensor memory | steps/s |',
    '|---|---|---|---|---|---|',
  );
  for (const [label, x] of [
    ['start', s.start],
    ['end', s.end],
  ] as const)
    p(
      `| ${label} | ${x.step.toLocaleString('en-US')} | ${f(x.heapMiB, 1)} MiB | ${x.tensors} | ${f(x.tensorMiB * 1024, 1)} KiB | ${f(x.stepsPerSecond, 1)} |`,
    );
  p(
    '',
    `Most tensors held at any checkpoint: ${s.maxTensors}; most heap: ${f(s.maxHeapMiB, 1)} MiB; tensors left after dispose: ${s.leftAfterDispose}. Steps/s follows the load of the shared machine (other sessions ran beside it), not the run; the tensor count and tensor memory are the figures a leak would move. Before the restore fix, each restore leaked the optimizer-slot copies and the slots it replaced (+34 tensors per cycle for the toy GAN of tests/unit/leaks.test.ts).`,
    '',
  );
}

const ps = r.pageSoak as Any | undefined;
if (ps) {
  const s = ps.soak as Any;
  const pts = (s.points ?? []) as Any[];
  const mem = pts.filter((x) => x.memoryMiB !== undefined);
  // Least-squares slope of the memory over the steps, in MiB per 1,000 steps.
  const slope = (() => {
    if (mem.length < 2) return undefined;
    const n = mem.length;
    const mx = mem.reduce((a, x) => a + x.step, 0) / n;
    const my = mem.reduce((a, x) => a + x.memoryMiB, 0) / n;
    const sxy = mem.reduce((a, x) => a + (x.step - mx) * (x.memoryMiB - my), 0);
    const sxx = mem.reduce((a, x) => a + (x.step - mx) ** 2, 0);
    return (sxy / sxx) * 1000;
  })();
  const ph = s.phases as Any;
  p(
    '## Soak in the page (`bench/page-soak.ts`)',
    '',
    machineLine(ps.machine),
    '',
    `templates/toy-ring.json trained for ${s.steps.toLocaleString('en-US')} steps on WASM inside a module Web Worker of Chromium, as the training panel runs it (cross-origin isolated: ${s.crossOriginIsolated ? 'yes' : 'no'}), with a sample of 256 points and a checkpoint saved, decoded and restored every ${s.every} steps, in the worker the browser leak test runs (tests/fixtures/ring-loop-worker.ts). ${f(s.wallSeconds / 60, 1)} min from start to end; the loop itself ${f(s.seconds, 0)} s: training ${f(ph.train, 1)} s, samples ${f(ph.sample, 2)} s, checkpoint round trips ${f(ph.checkpoint, 2)} s; memory measurements ${f(ph.memory, 1)} s, taken with the worker waiting, idle.`,
    '',
    `Memory is the page's, its worker included: performance.measureUserAgentSpecificMemory after a forced GC in the page and the worker (--js-flags=--expose-gc; page: ${s.gcExposed?.page ? 'yes' : 'no'}, worker: ${s.gcExposed?.worker ? 'yes' : 'no'}), measured at once (--enable-blink-features=ForceEagerMeasureMemory) and given up after ${s.measureTimeoutMs / 1000} s (${s.measurementsFailed} of ${pts.length} given up). It needs every context of the page to answer, and a worker inside its training loop runs microtasks only: before, the page measured while the worker trained on, and a measurement waited for the loop to end (with the code of the first recorded run, a 1,500-step probe: the first point's measurement took 36.5 s and resolved, with the two after it, only when the loop ended, so the three read the same end-of-run memory; that run's points took ~45 s for ~22 s of training). The worker now waits, idle, for the page at each point. WASM heap is the size of tfjs-backend-wasm's memory, a high-water mark (it never shrinks).`,
    '',
    '| | step | memory | WASM heap | tensors | tensor memory | steps/s | load (1 min) |',
    '|---|---|---|---|---|---|---|---|',
  );
  const row = (label: string, x: Any) =>
    p(
      `| ${label} | ${x.step.toLocaleString('en-US')} | ${x.memoryMiB !== undefined ? `${f(x.memoryMiB, 1)} MiB` : 'n/a'} | ${f(x.wasmHeapMiB, 1)} MiB | ${x.tensors} | ${f(x.bytes / 1024, 1)} KiB | ${f(x.stepsPerSecond, 1)} | ${f(x.load1, 2)} |`,
    );
  const shown = pts.filter((x, i) => i === 0 || i === pts.length - 1 || x.step % 2500 === 0);
  shown.forEach((x, i) => row(i === 0 ? 'start' : i === shown.length - 1 ? 'end' : '', x));
  p(
    '',
    `Most tensors held at any point: ${s.maxTensors}; most memory: ${f(s.maxMemoryMiB, 1)} MiB; largest WASM heap: ${f(s.maxWasmHeapMiB, 1)} MiB; memory trend (least squares over all ${mem.length} points): ${f(slope, 3)} MiB per 1,000 steps; tensors before the trainer / after its dispose: ${s.before?.tensors} / ${s.afterDispose?.tensors} (${s.before?.bytes} / ${s.afterDispose?.bytes} bytes). Steps/s is the training alone and follows the load of the shared 2-core machine (other sessions ran beside it).${s.note ? ` This run: ${s.note}.` : ''}`,
    '',
  );
}

const par = r.parity as Any | undefined;
if (par) {
  p(
    '## Quality parity: initialization (`bench/parity.ts`)',
    '',
    machineLine(par.machine),
    '',
    "Curves over seeds of a quality figure while training, per engine and initialization: the mean, the sample sd and the range over the seeds at each logged step. The verdict between two curves is Welch's t-test at each logged step (two-sided p; p < 0.05 reads as a difference the seed spread cannot explain, else 'same'). The PyTorch export, when it lands, joins as one more engine (one function in bench/parity.ts) and gets a verdict against ganvas per initialization. Each heading gives the steps the recorded run took (\`--steps\`, \`--ring-steps\`; defaults 400 and 1,500).",
    '',
  );
  for (const key of ['dcgan', 'ring']) {
    const st = par[key] as Any | undefined;
    if (!st) continue;
    p(
      `### ${st.title} (template \`${st.template}\`, ${st.steps.toLocaleString('en-US')} steps, seeds ${st.seeds.join(', ')})`,
      '',
    );
    const sm = st.machine ?? par.machine;
    if (sm)
      p(
        `Load while it ran (\`uptime\`, 2 cores shared with other work): before "${sm.uptimeBefore}", after "${sm.uptimeAfter}"; wall-clock times below are inflated by it.`,
        '',
      );
    const d = st.metric === 'fid' ? 1 : 2;
    p(`| engine | initialization | ${st.curves[0].steps.map((x: number) => `step ${x}`).join(' | ')} | s/run |`);
    p(`|---|---|${st.curves[0].steps.map(() => '---').join('|')}|---|`);
    for (const c of st.curves) {
      const cells = c.steps.map(
        (_: number, i: number) => `${f(c.mean[i], d)} ± ${f(c.sd[i], d)} (${f(c.min[i], d)}-${f(c.max[i], d)})`,
      );
      const secs = c.runs.reduce((a: number, x: Any) => a + x.seconds, 0) / c.runs.length;
      p(`| ${c.engine} | ${c.variant} | ${cells.join(' | ')} | ${f(secs, 0)} |`);
    }
    p('', 'Mean ± sd (min-max) over the seeds.', '');
    for (const v of st.verdicts) {
      p(`Welch's t, A = ${v.a}, B = ${v.b}:`, '');
      p('| step | mean A | mean B | t | df | p | verdict |', '|---|---|---|---|---|---|---|');
      for (const x of v.steps)
        p(
          `| ${x.step} | ${f(x.meanA, d)} | ${f(x.meanB, d)} | ${f(x.t, 2)} | ${f(x.df, 1)} | ${f(x.p, 3)} | ${x.verdict} |`,
        );
      p('');
    }
  }
}

const pg = r.progressive as Any | undefined;
if (pg) {
  p(
    '## Progressive growing at work (`bench/progressive.ts`)',
    '',
    machineLine(pg.machine),
    '',
    `\`${pg.command}\` on ${pg.backend}, batch ${pg.batch}: ${f(pg.seconds, 0)} s for ${pg.steps} steps (load: ${pg.load}; the 2-core machine was shared). FID of 500 EMA samples against held-out digits, both resized to the classifier's 28x28 (docs/training.md, Quality figures). The resolution and alpha are the phase the evaluated step trained at.`,
    '',
    '| step | resolution | alpha | FID | Inception score | precision | recall |',
    '|---|---|---|---|---|---|---|',
  );
  for (const x of pg.curve)
    p(
      `| ${x.step} | ${x.resolution}x${x.resolution} | ${f(x.alpha, 2)} | ${f(x.fid, 1)} | ${f(x.inceptionScore, 2)} | ${f(x.precision, 3)} | ${f(x.recall, 3)} |`,
    );
  p('');
}

const cf = r.classFollowing as Any | undefined;
if (cf) {
  p('## Do conditional generators follow the class? (`bench/class-following.ts`)', '', machineLine(cf.machine), '');
  p(`${cf.what}. Load at start: "${cf.loadStart}"; at end: "${cf.loadEnd}".`, '');
  for (const [name, t] of Object.entries(cf).filter(([, v]) => (v as Any)?.curve)) {
    const tt = t as Any;
    p(`### \`${name}\` (batch ${tt.batch}, ${f(tt.seconds, 0)} s for ${tt.steps} steps)`, '');
    const dCol = tt.curve.some((x: Any) => x.dClass !== undefined);
    p(
      `| step | class accuracy | per class 0-9 | FID | training weights (not EMA): accuracy, FID |${dCol ? " D's class accuracy |" : ''}`,
      `|---|---|---|---|---|${dCol ? '---|' : ''}`,
    );
    for (const x of tt.curve)
      p(
        `| ${x.step} | ${f(x.accuracy, 3)} | ${x.perClass.map((v: number) => f(v, 2)).join(' ')} | ${f(x.fid, 1)} | ${x.raw ? `${f(x.raw.accuracy, 3)}, ${f(x.raw.fid, 1)}` : '-'} |${dCol ? ` ${x.dClass === undefined ? '-' : f(x.dClass, 3)} |` : ''}`,
      );
    p('');
  }
}

const gpu = r.gpu as Any | undefined;
if (gpu) {
  const m = gpu.machine;
  const byTemplate = (doc: Any | undefined) => new Map<string, Any>((doc?.rows ?? []).map((x: Any) => [x.template, x]));
  const wg = byTemplate(gpu.webgpu);
  const wa = byTemplate(gpu.wasm);
  const torchOf = (t: string, amp: string) => (gpu.torch as Any[]).find((x) => x.template === t && x.amp === amp);
  const cell = (x: Any | undefined) =>
    !x
      ? '-'
      : x.error
        ? String(x.error).startsWith('Aborted')
          ? 'aborts'
          : `fails: ${String(x.error).slice(0, 60)}`
        : `${f(x.msPerStep, x.msPerStep < 100 ? 1 : 0)}`;
  p(
    '## On a GPU: NVIDIA H200 (`bench/device/run.sh`)',
    '',
    `Machine: ${m.gpu} (${m.gpuMemory}, driver ${m.driver}), ${m.cpu} x ${m.cores}; Node ${m.node}; PyTorch ${m.torch} (CUDA ${m.cuda}); WebGPU adapter "${gpu.webgpu?.adapter ?? '-'}" through Dawn's Node bindings; measured ${String(m.date).slice(0, 16).replace('T', ' ')} UTC, in one 15-minute loan of the machine (no network there: Node, the bundled bench and CLI, Dawn and the exports were carried; \`bench/device/prepare.sh\`).`,
    '',
    `${gpu.method} ms per training step; the first step (shader compilation, uploads) separately. "-x" columns: how many times faster the second is than the first.`,
    '',
    '| template | batch | parameters | GFLOP/step | WASM, 1 thread | WebGPU (Dawn, Node) | its first step | PyTorch CUDA fp32 | bf16 autocast | WebGPU over WASM | PyTorch over WebGPU |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const [t, g] of wg) {
    const w = wa.get(t);
    const tf32 = torchOf(t, 'fp32');
    const tb16 = torchOf(t, 'bf16');
    const ratio = (a: Any | undefined, b: Any | undefined) =>
      a?.msPerStep && b?.msPerStep && !a.error && !b.error ? `${f(a.msPerStep / b.msPerStep, 1)}x` : '-';
    p(
      `| ${t} | ${g.batch} | ${g.params ? g.params.toLocaleString('en-US') : '-'} | ${f(g.gflopPerStep, 2)} | ${cell(w)} | ${cell(g)} | ${f(g.firstStepMs, 0)} | ${cell(tf32)} | ${cell(tb16)} | ${ratio(w, g)} | ${ratio(g, tf32)} |`,
    );
  }
  if (gpu.probe)
    p(
      '',
      `tfjs' WebGPU kernels on this GPU (\`bench/device/webgpu-probe.ts\`): a 2048x2048 by 2048x2048 fp32 product in ${f(gpu.probe.matmul2048Ms, 1)} ms (${f(gpu.probe.matmul2048Tflops, 2)} TFLOP/s), a batch-64 3x3 convolution of 64x64x128 to 128 channels in ${f(gpu.probe.conv64Ms, 1)} ms (${f(gpu.probe.conv64Tflops, 2)} TFLOP/s): tfjs' WGSL shaders use neither tensor cores nor, at these sizes, more than a few percent of the chip's fp32 rate.`,
    );
  if (gpu.cli)
    p(
      '',
      'What `ganvas train templates/dcgan-mnist.json --backend webgpu --steps 200` printed there:',
      '',
      '```',
      ...gpu.cli,
      '```',
    );
  const cmp = gpu.cliLossesAgainstWasm;
  if (cmp) {
    const steps = Object.keys(cmp.webgpu).filter((s) => cmp.wasm[s]);
    p(
      '',
      `The same command on WASM (this repository's machine, no GPU) prints, at the same steps: ${steps.map((s) => `step ${s} D ${cmp.wasm[s].D} / ${cmp.webgpu[s].D}, G ${cmp.wasm[s].G} / ${cmp.webgpu[s].G}`).join('; ')} (WASM / H200 WebGPU): the GPU trains the same model from the same seed to 3 or 4 digits.`,
    );
  }
  p(
    '',
    "What this says. On the GPU, ganvas' tfjs engine pays for the large templates: WebGPU is 6 to 55 times WASM where a step is tens to hundreds of GFLOP (StyleGAN-lite, pix2pix, DCGAN 64x64, WGAN-GP), and it trains CycleGAN at 256x256, on which tfjs' WASM backend aborts. For the MNIST-sized templates and the ring, a step costs 100 to 500 ms on the H200 whatever its FLOPs (the ring: 173 ms against 23 ms on one CPU thread). That time is not the GPU's arithmetic (DCGAN-MNIST's 3.2 GFLOP would take 3 ms at the 1.24 TFLOP/s of the product above); it goes with the number of kernels, 700 to 2,600 a step (bench/gpu-counts.ts), and the loan was too short to take it apart. The PyTorch export is the road to the GPU: on CUDA it is 6 to 32 times ganvas' WebGPU on every template, with the same project, losses and data (its parity with tfjs is tested). bf16 autocast does not pay at these sizes except for CycleGAN: the casts cost more than the tensor cores save. Since this loan, `ganvas train --backend auto` times WebGPU (Dawn) against WASM where Dawn finds a hardware adapter, the GPU first, so that a far slower WASM stops after one step; by the table it takes WebGPU for the large templates and WASM for the ring. The table predates the grouped Adam and EMA updates (about 20% fewer WebGPU dispatches a step, see above), which have not run on a GPU either. The auto code has not run on a GPU yet: its choice is unit-tested with a stand-in adapter, and its software-adapter path (SwiftShader: left out, quietly) in tests/unit/cli-webgpu.test.ts.",
    '',
    "Not measured there: Chromium. Debian's Chromium is 77 MB compressed, more than the 64 MiB one call can carry to the machine, and the machine has no network to fetch one; its WebGPU is the same Dawn that Node uses here, behind a GPU process. `bench/browser-train.ts` and `bench/gpu-counts.ts` run unchanged where a Chromium and a GPU are at hand.",
    '',
  );
} else
  p(
    '## GPU',
    '',
    'No GPU was measured yet: `bench/device/run.sh` measures every template on a machine with one (see the script).',
    '',
  );
const pt = r.pytorch as Any | undefined;
if (pt?.runs) {
  p(
    '## The PyTorch export beside tfjs (`bench/pytorch.ts`)',
    '',
    `${pt.note} ms per step (D steps included); "speed-up" is tfjs / torch.`,
    '',
  );
  for (const [name, run] of Object.entries(pt.runs as Record<string, Any>)) {
    p(
      `### torch ${run.machine?.torch ?? ''} with the ${name} BLAS${run.quick ? ' (quick run: few steps)' : ''}`,
      '',
      machineLine(run.machine),
      '',
    );
    p(
      '| template | batch | tfjs WASM | torch, 1 process | speed-up | torchrun, 2 processes | load (1 min) |',
      '|---|---|---|---|---|---|---|',
    );
    for (const x of run.rows as Any[])
      p(
        `| ${x.template} | ${x.batch} | ${f(x.tfjsWasmMs)} ms | ${typeof x.torchMs === 'number' ? `${f(x.torchMs)} ms` : x.torchMs} | ${f(x.speedup, 2)}x | ${x.torchrun2Ms === undefined ? '-' : typeof x.torchrun2Ms === 'number' ? `${f(x.torchrun2Ms)} ms` : x.torchrun2Ms} | ${f(x.load1, 1)} |`,
      );
    p('');
  }
  p(
    'On 2 cores under load, 2 torchrun processes compete with each other and with the rest of the machine: the multi-process rows show that the distributed path runs, not its scaling. On a machine with one GPU per process the recipe is the same (docs/export.md).',
    '',
  );
}

for (const key of Object.keys(r).filter((k) => k === 'augment' || k.startsWith('augment-'))) {
  const aug = r[key] as Any;
  if (!aug?.runs) continue;
  p(
    key === 'augment'
      ? '## Differentiable augmentation (`bench/augment.ts`)'
      : `## Differentiable augmentation: ${aug.digits} digits, ${aug.steps.toLocaleString('en-US')} steps (\`bench/augment.ts\`, section ${key})`,
    '',
    machineLine(aug.machine),
    '',
  );
  if (aug.load) p(`Load while it ran (other work shares the 2 cores): ${aug.load}.`, '');
  if (aug.note) p(aug.note, '');
  const variants = [...new Set((aug.runs as Any[]).map((x) => x.variant as string))];
  const plainMs = aug.stepMs?.plain as number | undefined;
  if (aug.stepMs && Object.keys(aug.stepMs).length > 0) {
    p(
      `Cost per step: median of 15 steps (after 5), batch ${aug.costBatch}, WASM in Node, the variants' steps interleaved. plain is dcgan-mnist; diffaugment and ada add two Augment nodes (translation, cutout; ada at its starting p = 0, whose draws and gates are computed all the same); color is DiffAugment's full policy (color, translation, cutout).`,
      '',
      '| variant | median step | vs plain |',
      '|---|---|---|',
    );
    for (const [name, ms] of Object.entries(aug.stepMs as Record<string, number>))
      p(`| ${name} | ${f(ms)} ms | ${plainMs ? `${f((ms / plainMs - 1) * 100, 0)}%` : '-'} |`);
    p('');
  }
  const runs = aug.runs as Any[];
  const cols = runs.map((x) => `${x.variant} s${x.seed}`);
  const steps = [...new Set(runs.flatMap((x) => (x.curve as Any[]).map((q) => q.step as number)))].sort(
    (a, b) => a - b,
  );
  const at = (x: Any, s: number) => (x.curve as Any[]).find((q) => q.step === s);
  p(
    `FID on a small training set: each variant trained on the first ${aug.digits} MNIST digits only, batch ${aug.batch}, ${aug.steps.toLocaleString('en-US')} steps (${f((aug.steps * aug.batch) / aug.digits, 0)} passes over the digits), seeds as shown (s0, s1: the same seeds for every variant). FID of 500 EMA samples (seed 777) on the bundled classifier against the reference digits 9,000-9,999; lower is better. ada's p starts at 0, target r_t 0.6, adaSpeed ${Number(aug.adaSpeed).toLocaleString('en-US')} images.`,
    '',
    `| step | ${cols.join(' | ')} | ${variants.map((v) => `${v} mean`).join(' | ')} |`,
    `|---|${cols.map(() => '---|').join('')}${variants.map(() => '---|').join('')}`,
  );
  const meanOf = (v: string, s: number, k: string) => {
    const xs = runs
      .filter((x) => x.variant === v)
      .map((x) => at(x, s)?.[k])
      .filter((y): y is number => typeof y === 'number');
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined;
  };
  for (const s of steps)
    p(
      `| ${s.toLocaleString('en-US')} | ${runs.map((x) => f(at(x, s)?.fid)).join(' | ')} | ${variants.map((v) => `**${f(meanOf(v, s, 'fid'))}**`).join(' | ')} |`,
    );
  p(
    '',
    "D's overfitting (ADA's Fig. 1): E[sign D(x)] on the training digits against 1,000 digits D never saw (1,000-1,999), D in training mode, no augmentation, mean of the seeds; ada's p and last r_t (r_t is measured on D's augmented inputs during training). A D that memorized its training set says +1 on it and leans to fake on unseen real digits.",
    '',
    `| step | ${variants.map((v) => `${v}: train / unseen`).join(' | ')} | ada p | ada r_t |`,
    `|---|${variants.map(() => '---|').join('')}---|---|`,
  );
  for (const s of steps)
    p(
      `| ${s.toLocaleString('en-US')} | ${variants.map((v) => `${f(meanOf(v, s, 'signTrain'), 2)} / ${f(meanOf(v, s, 'signHeldOut'), 2)}`).join(' | ')} | ${f(meanOf('ada', s, 'adaP'), 3)} | ${f(meanOf('ada', s, 'adaRt'), 2)} |`,
    );
  p('');
}

p(
  '## tfjs defects that shaped these numbers',
  '',
  "WASM cannot train convolutions in tfjs 4.22 without the kernels ganvas adds (tfjs issue 8474); the pure-JS CPU backend spends most of a DCGAN step in its `Conv2DBackpropFilter`. tfjs-wasm's `Conv2DBackpropInput` (every transposed convolution, every input gradient) is a plain single-threaded loop and its `Tile` (BatchNorm's gradient) a per-element index loop: ganvas replaces both with kernels built on XNNPACK convolutions and block copies (section \"WASM kernels\" above). The second round: tfjs-wasm's `Identity` and same-dtype `Cast` copy data that can be shared (the engine clones every tensor a gradient saves); its `LeakyRelu`, `Greater` and `Select` are scalar loops (10 to 20 times an XNNPACK element-wise kernel); `Sum`/`Mean` over leading axes transpose first; `Slice` and `SplitV` copy the whole input out of the heap for every slice; `StridedSlice`, `Reverse` and `Gather` take over 1 ms for a 4x4x64x32 filter. ganvas replaces the first six and avoids the last three. tfjs-wasm's forward `Conv2D` corrupts its heap when an explicit padding reaches the kernel size (layers use 'same'/'valid' only, which never do). See docs/training.md.",
  '',
);

writeFileSync(join(ROOT, 'docs/benchmarks.md'), out.join('\n'));
console.log(`wrote docs/benchmarks.md (${out.length} lines)`);
