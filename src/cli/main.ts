/**
 * The `ganvas` command. Bad input of any kind ends in diagnostics and a
 * non-zero exit (1 invalid, 2 unreadable), never a stack trace.
 */
import { Command, CommanderError } from 'commander';
import Table from 'cli-table3';
import { formatDiagnostic, type Diagnostic } from '../core/diagnostics.js';
import { summarizeProject, fmtShape, type ModelSummary } from '../core/summary.js';
import { validateProjectText, type ProjectAnalysis } from '../core/validate.js';
import { NODE_TYPES } from '../core/nodes/registry.js';
import { projectJsonSchema } from '../core/project/schema.js';
import { readText } from './io.js';

const EXIT = { ok: 0, invalid: 1, unreadable: 2 } as const;

function write(s: string): void {
  process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
}

async function load(file: string): Promise<{ analysis?: ProjectAnalysis; diagnostics: Diagnostic[]; exit: number }> {
  const r = await readText(file);
  if (!r.ok) return { diagnostics: [{ code: 'NOT_PROJECT', severity: 'error', message: r.message, location: {} }], exit: EXIT.unreadable };
  const analysis = validateProjectText(r.text);
  return { analysis, diagnostics: analysis.diagnostics, exit: EXIT[analysis.status] };
}

function printDiagnostics(file: string, ds: Diagnostic[]): void {
  for (const d of ds) process.stderr.write(`${file}: ${formatDiagnostic(d)}\n`);
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
  for (const l of s.layers) table.push([`${l.name} (${l.type})`, l.outputShape.map(fmtShape).join(' '), n(l.trainable), n(l.nonTrainable)]);
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
    .description('Check a project: schema, node params, wiring, every tensor shape. Exit 0 valid, 1 invalid, 2 unreadable.')
    .argument('<project>', 'project JSON file')
    .option('--json', 'print diagnostics as JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      const r = await load(file);
      if (opts.json) write(JSON.stringify({ file, valid: r.exit === 0, status: r.analysis?.status ?? 'unreadable', diagnostics: r.diagnostics }, null, 2));
      else {
        printDiagnostics(file, r.diagnostics);
        const errors = r.diagnostics.filter((d) => d.severity === 'error').length;
        const warnings = r.diagnostics.length - errors;
        if (r.exit === 0) write(`${file}: valid (${r.analysis?.models.size ?? 0} models${warnings ? `, ${warnings} warning(s)` : ''})`);
        else process.stderr.write(`${file}: ${r.exit === 2 ? 'unreadable' : 'invalid'}: ${errors} error(s), ${warnings} warning(s)\n`);
      }
      code = r.exit;
    });

  program
    .command('summary')
    .description('Per model: layers, output shapes, trainable and total parameters (Keras-style).')
    .argument('<project>', 'project JSON file')
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      const r = await load(file);
      if (!r.analysis || r.exit !== 0) {
        printDiagnostics(file, r.diagnostics);
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

  program
    .command('nodes')
    .description('List the node types of the registry.')
    .option('--json', 'as JSON')
    .action((opts: { json?: boolean }) => {
      const rows = [...NODE_TYPES.values()].map((d) => ({ type: d.type, category: d.category, doc: d.doc }));
      if (opts.json) write(JSON.stringify(rows, null, 2));
      else for (const r of rows) write(`${r.type.padEnd(18)} ${r.category.padEnd(14)} ${r.doc.split('. ')[0]}`);
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
