/** `ganvas export`: the project as one standalone TypeScript training script. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ExportOptions, exportTypeScript, RUNTIME_MODULES, type RuntimeSources } from '../core/codegen/index.js';
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
