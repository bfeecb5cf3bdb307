/**
 * The panel's data: which Dataset nodes the project has, and the assets a
 * run needs from the page (the bundled digits, fetched once per page; a
 * folder of images chosen or dropped, decoded by the browser).
 */

import type { DataAssets, MnistData } from '../../core/data/index.js';
import { type DatasetParams, datasetParamsSchema, decodeMnistBin } from '../../core/data/index.js';
import {
  BACKEND_MEMORY_BUDGET,
  type BackendName,
  type BackendPreference,
  memoryBudgetDiagnostic,
} from '../../core/train/index.js';
import type { ProjectAnalysis } from '../../core/validate.js';
import type { FolderResult } from './folder.js';

export interface Folder extends FolderResult {
  name: string;
}

export function datasetsOf(a: ProjectAnalysis): { id: string; params: DatasetParams }[] {
  return (a.project?.training?.nodes ?? []).flatMap((n) => {
    if (n.type !== 'Dataset') return [];
    const p = datasetParamsSchema.safeParse(n.params ?? {});
    return p.success ? [{ id: n.id, params: p.data }] : [];
  });
}

/** Whether the decoded folder (if any) still fits the folder dataset's size (it may change in the inspector). */
export function folderFits(a: ProjectAnalysis, folder: Folder | undefined): boolean {
  const p = datasetsOf(a).find((d) => d.params.source === 'folder')?.params;
  if (!p || p.source !== 'folder' || !folder) return true;
  const i = folder.images;
  return i.width === p.width && i.height === p.height && i.channels === p.channels;
}

/**
 * Why a run cannot start yet, in a sentence a person can act on, or
 * undefined when it can: project problems, a folder dataset with no folder
 * chosen (or one decoded at another size), images still decoding.
 */
export function blockedReason(
  a: ProjectAnalysis,
  folder: Folder | undefined,
  loading: boolean,
  backend: BackendPreference = 'auto',
): string | undefined {
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0)
    return `Fix the project's problems to train it (${errors.length}): ${errors
      .slice(0, 2)
      .map((d) => d.message)
      .join(' ')}`;
  if (a.status !== 'ok' || a.training?.complete !== true) return "Fix the project's problems to train it.";
  const over = memoryRefusal(a, backend);
  if (over) return over;
  if (loading) return 'Decoding images…';
  if (datasetsOf(a).some((d) => d.params.source === 'folder') && !folder)
    return 'This project trains on a folder of images: choose one with “Choose image folder…” or drop one on this panel.';
  if (!folderFits(a, folder))
    return 'The folder dataset changed size: choose the folder again to decode its images at the new size.';
  return undefined;
}

/**
 * The memory budget, checked before anything is allocated: the chosen
 * backend's, or with auto the largest of any backend's (auto may pick any).
 */
function memoryRefusal(a: ProjectAnalysis, backend: BackendPreference): string | undefined {
  const names = backend === 'auto' ? (Object.keys(BACKEND_MEMORY_BUDGET) as BackendName[]) : [backend];
  const largest = names.reduce((x, y) => (BACKEND_MEMORY_BUDGET[y] > BACKEND_MEMORY_BUDGET[x] ? y : x));
  return memoryBudgetDiagnostic(a, largest)?.message;
}

export async function assetsFor(a: ProjectAnalysis, folder: Folder | undefined): Promise<DataAssets> {
  const sources = datasetsOf(a).map((d) => d.params.source);
  const assets: DataAssets = {};
  if (sources.includes('folder')) {
    if (!folder)
      throw new Error('The dataset is a folder of images: choose a folder or drop one on the training panel first.');
    assets.folder = folder.images;
  }
  if (sources.some((s) => s.startsWith('mnist'))) assets.mnist = await loadDigits();
  return assets;
}

let digits: Promise<MnistData> | undefined;
/** The bundled digits, fetched and decoded once per page (every Start and resume reuses them). */
function loadDigits(): Promise<MnistData> {
  digits ??= fetch('/generated/mnist.bin').then(async (r) => {
    if (!r.ok) throw new Error('The MNIST data is missing: run `npx ganvas data` (npm start does it).');
    return decodeMnistBin(new Uint8Array(await r.arrayBuffer()));
  });
  digits.catch(() => (digits = undefined)); // a failed fetch is tried again next time
  return digits;
}
