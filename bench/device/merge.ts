/**
 * Gathers what bench/device/run.sh measured on a machine with a GPU (its res/ folders, unpacked from res.tgz,
 * one per call, in the order of the calls) into bench/results.json, section `gpu`; bench/report.ts renders it.
 * A later call's row replaces an earlier one of the same template (and precision) that failed or is older.
 *
 *   npx tsx bench/device/merge.ts RES_DIR [RES_DIR...] [--compare-cli FILE]
 *
 * --compare-cli: the output of the same `ganvas train templates/dcgan-mnist.json` on WASM (here, any machine),
 * whose losses at the same steps the report sets beside the GPU's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSection } from '../common.js';

interface TorchRow {
  template: string;
  amp: string;
  exit: number;
  msPerStep?: number;
  error?: string;
  [k: string]: unknown;
}
interface NodeDoc {
  rows: { template: string; msPerStep?: number; error?: string }[];
  [k: string]: unknown;
}

const args = process.argv.slice(2);
const ci = args.indexOf('--compare-cli');
const compareFile = ci >= 0 ? args.splice(ci, 2)[1] : undefined;
const dirs = args;
if (dirs.length === 0) throw new Error('usage: merge.ts RES_DIR [RES_DIR...]');
const read = (dir: string, file: string) => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : '');

let machineText = '';
let webgpu: NodeDoc | undefined;
let wasm: NodeDoc | undefined;
let probe: Record<string, unknown> | undefined;
let cli: string | undefined;
const torch = new Map<string, TorchRow>();
for (const dir of dirs) {
  machineText ||= read(dir, 'machine.txt');
  const w = read(dir, 'node-webgpu.json');
  if (w) webgpu = JSON.parse(w) as NodeDoc;
  const c = read(dir, 'node-wasm.json');
  if (c) wasm = JSON.parse(c) as NodeDoc;
  const pr = read(dir, 'webgpu-probe.json');
  if (pr) probe = JSON.parse(pr) as Record<string, unknown>;
  cli = read(dir, 'cli-webgpu-dcgan-mnist.txt') || cli;
  for (const line of read(dir, 'torch.jsonl').split('\n').filter(Boolean)) {
    const row = JSON.parse(line) as TorchRow;
    const key = `${row.template}|${row.amp}`;
    const had = torch.get(key);
    if (!had || had.error !== undefined || row.error === undefined) torch.set(key, row);
  }
}

// machine.txt: nvidia-smi's CSV (header, row), "cpu: <model> x <n>", "torch <v> cuda <v> <device>", node's version.
const lines = machineText.split('\n').filter(Boolean);
const [gpuName, driver, memory] = (lines[1] ?? '').split(',').map((s) => s.trim());
const cpuLine = lines.find((l) => l.startsWith('cpu:')) ?? '';
const torchLine = lines.find((l) => l.startsWith('torch ')) ?? '';
const machine = {
  gpu: gpuName,
  driver,
  gpuMemory: memory,
  cpu: cpuLine.replace(/^cpu:\s*/, '').replace(/\s+x\s+\d+$/, ''),
  cores: Number(cpuLine.match(/x\s+(\d+)$/)?.[1] ?? 0),
  torch: torchLine.split(' ')[1],
  cuda: torchLine.split(' ')[3],
  node: lines.find((l) => /^v\d+\./.test(l)),
  date: webgpu?.started ?? wasm?.started,
};

// The probe's dispatch and round-trip figures of the first version timed tfjs' CPU forwarding (tiny tensors still on
// the CPU run there), not the GPU: only the large products are kept from it.
const probeKept = probe
  ? Object.fromEntries(Object.entries(probe).filter(([k]) => /^(adapter|tfjs|date|matmul|conv)/.test(k)))
  : undefined;

// ganvas train --backend webgpu: the header, a few steps and the closing line, as printed.
const cliLines = cli
  ?.split('\n')
  .filter((l) => /^DCGAN|^step (9|10|20|100|200)\/|^done:|^exit/.test(l))
  .map((l) => l.trimEnd());

const stepLines = (text: string | undefined) =>
  Object.fromEntries(
    (text ?? '')
      .split('\n')
      .map((l) => l.match(/^step (\d+)\/\d+ D (\S+) G (\S+)/))
      .filter((m): m is RegExpMatchArray => m !== null)
      .map((m) => [m[1], { D: Number(m[2]), G: Number(m[3]) }]),
  );
const compare = compareFile
  ? { webgpu: stepLines(cli), wasm: stepLines(readFileSync(compareFile, 'utf8')) }
  : undefined;

writeSection('gpu', {
  machine,
  method:
    'bench/device/run.sh: every template as shipped, its own batch. ganvas on WebGPU through Dawn in Node (the `webgpu` package, the CLI --backend webgpu) and on WASM in Node (one thread, on the same machine, in the background while the GPU ran the others); the PyTorch export (train.py, fp32 and bf16 autocast) on CUDA, its step time from its own clock between steps 10 and 60. DCGAN 64x64 reads synthetic 64x64 pictures (ganvas) or 64x64 RGB digits (train.py), the same shape.',
  webgpu,
  wasm,
  torch: [...torch.values()],
  probe: probeKept,
  cli: cliLines,
  ...(compare ? { cliLossesAgainstWasm: compare } : {}),
});
console.log(
  `gpu: ${webgpu?.rows.length ?? 0} webgpu rows, ${wasm?.rows.length ?? 0} wasm rows, ${torch.size} torch rows${probeKept ? ', probe' : ''}`,
);
