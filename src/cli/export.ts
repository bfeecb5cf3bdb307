/** `ganvas export`: the project as one standalone TypeScript training script. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ExportOptions,
  exportPyTorch,
  exportTypeScript,
  PYTORCH_RUNTIME_PATH,
  type PyTorchExportOptions,
  RUNTIME_MODULES,
  type RuntimeSources,
} from '../core/codegen/index.js';
import type { ProjectAnalysis } from '../core/validate.js';
import { ROOT } from './assets.js';

/** ganvas' runtime sources, which the script embeds. */
export function runtimeSources(): RuntimeSources {
  return Object.fromEntries(
    RUNTIME_MODULES.map((m) => [m.path, readFileSync(join(ROOT, m.path), 'utf8')]),
  ) as RuntimeSources;
}

export function exportProject(a: ProjectAnalysis, opts: ExportOptions = {}): string {
  return exportTypeScript(a, runtimeSources(), opts);
}

/** The PyTorch runtime the exported train.py embeds. */
export function pytorchRuntime(): string {
  return readFileSync(join(ROOT, PYTORCH_RUNTIME_PATH), 'utf8');
}

export function exportProjectPyTorch(a: ProjectAnalysis, opts: PyTorchExportOptions = {}): string {
  return exportPyTorch(a, pytorchRuntime(), opts);
}
