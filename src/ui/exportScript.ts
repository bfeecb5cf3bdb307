/**
 * The editor's Export: the same script as `ganvas export --target ts`, or the
 * same train.py as `ganvas export --target pytorch`. The runtime sources they
 * embed come in as text through vite (?raw), so the page and the CLI embed the
 * same files. Loaded only when a person exports.
 */
import {
  exportPyTorch,
  exportTypeScript,
  PYTORCH_RUNTIME_PATH,
  RUNTIME_MODULES,
  type RuntimeSources,
} from '../core/codegen/index.js';
import type { ProjectAnalysis } from '../core/validate.js';

const raw = import.meta.glob(
  [
    '../core/data/random.ts',
    '../core/data/datasets.ts',
    '../core/data/mnist-format.ts',
    '../core/train/losses.ts',
    '../core/train/optimizers.ts',
    '../core/train/schedule.ts',
    '../core/train/images.ts',
    '../core/train/gradients.ts',
    '../core/train/wasm-kernels.ts',
    '../core/nodes/layers/custom.ts',
    '../core/train/progressive.ts',
    '../core/train/provenance.ts',
    '../core/train/augment.ts',
    '../core/train/metrics.ts',
    '../core/train/early-stop.ts',
    '../core/train/fid.ts',
  ],
  {
    eager: true,
    query: '?raw',
    import: 'default',
  },
) as Record<string, string>;

/** The Python runtime train.py embeds (vite serves a .py file as text with ?raw). */
const rawPython = import.meta.glob('../core/codegen/pytorch-runtime.py', {
  eager: true,
  query: '?raw',
  import: 'default',
}) as Record<string, string>;

function pytorchRuntime(): string {
  const text = rawPython[PYTORCH_RUNTIME_PATH.replace(/^src\//, '../')];
  if (typeof text !== 'string') throw new Error(`The editor build lacks ${PYTORCH_RUNTIME_PATH}.`);
  return text;
}

function runtime(): RuntimeSources {
  return Object.fromEntries(
    RUNTIME_MODULES.map((m) => {
      const text = raw[m.path.replace(/^src\//, '../')];
      if (typeof text !== 'string') throw new Error(`The editor build lacks ${m.path}.`);
      return [m.path, text];
    }),
  ) as RuntimeSources;
}

export type ExportTarget = 'ts' | 'pytorch';

/** The script of a valid project for a target, or an ExportError saying why there is none. */
export function exportScript(a: ProjectAnalysis, target: ExportTarget = 'ts'): string {
  return target === 'pytorch' ? exportPyTorch(a, pytorchRuntime()) : exportTypeScript(a, runtime());
}
