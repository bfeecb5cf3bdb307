/**
 * The dataset part of the panel: the source of each Dataset node, and a
 * folder of images chosen here or dropped on the panel (decoded by the
 * browser at the size the dataset asks for).
 */

import {
  DATASET_SOURCES,
  type DatasetParams,
  type DatasetSource,
  datasetDoc,
  datasetPorts,
  switchDataset,
} from '../../core/data/index.js';
import type { ProjectAnalysis } from '../../core/validate.js';
import { pressInnerInput } from '../keys.js';
import { datasetsOf } from './data.js';
import { decodeImages } from './folder.js';
import type { TrainSnapshot, TrainStore } from './store.js';

type OnDataset = ((id: string, params: DatasetParams) => void) | undefined;

/** Decodes a folder's images at the size the (first) folder dataset asks for, or that of the current image dataset. */
export async function loadFolder(
  store: TrainStore,
  analysis: ProjectAnalysis,
  onDataset: OnDataset,
  files: File[],
  name: string,
): Promise<void> {
  const d = datasetsOf(analysis)[0];
  const target = d ? switchDataset(d.params, 'folder', { path: name }) : undefined;
  if (!target || target.source !== 'folder') return;
  try {
    store.setLoading(`decoding ${files.length} files…`);
    const onProgress = (done: number, total: number) => store.setLoading(`decoding ${done}/${total}…`);
    const result = await decodeImages(files, target.width, target.height, target.channels, onProgress);
    store.setFolder({ ...result, name });
    store.setLoading('');
    if (d && (d.params.source !== 'folder' || d.params.path !== name)) onDataset?.(d.id, target);
  } catch (e) {
    store.setLoading('');
    store.setMessage(`${name}: ${(e as Error).message}`);
  }
}

function folderStatus(snap: TrainSnapshot): string {
  const f = snap.folder;
  if (snap.loading) return snap.loading;
  if (!f) return 'or drop a folder of images here';
  const i = f.images;
  const skipped = f.skipped.length ? `, ${f.skipped.length} skipped` : '';
  return `${f.name}: ${i.count} images at ${i.width}x${i.height}x${i.channels}${skipped}`;
}

export function DataControls(props: {
  analysis: ProjectAnalysis;
  snap: TrainSnapshot;
  disabled: boolean;
  onDataset: OnDataset;
  onFolder: (files: File[], name: string) => void;
}) {
  const { analysis, snap, disabled, onDataset, onFolder } = props;
  const datasets = datasetsOf(analysis);
  if (datasets.length === 0) return null;
  const folder = snap.folder;
  return (
    <div className="gv-train-controls" data-testid="data-controls">
      {datasets.map((d) => (
        <span key={d.id}>
          <label>
            data <code>{d.id}</code>{' '}
            <select
              aria-label={`Dataset ${d.id}`}
              value={d.params.source}
              disabled={disabled || !onDataset}
              onChange={(e) => {
                const source = e.target.value as DatasetSource;
                const extra = source === 'folder' && folder ? { path: folder.name } : {};
                onDataset?.(d.id, switchDataset(d.params, source, extra));
              }}
            >
              {DATASET_SOURCES.map((src) => (
                <option key={src} value={src} title={datasetDoc(src)}>
                  {src}
                </option>
              ))}
            </select>
          </label>{' '}
          <span className="gv-where" data-testid={`data-shape-${d.id}`}>
            {datasetPorts(d.params)
              .map((p) => `${p.name} [${p.shape.join(',')}]`)
              .join(', ')}
          </span>
        </span>
      ))}
      <label
        className="gv-button"
        role="button"
        tabIndex={disabled ? -1 : 0}
        aria-disabled={disabled}
        onKeyDown={pressInnerInput}
      >
        Choose image folder…
        <input
          type="file"
          hidden
          multiple
          // @ts-expect-error webkitdirectory is not in React's input attributes (all main browsers have it)
          webkitdirectory=""
          disabled={disabled}
          aria-label="Choose image folder"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            const first = files[0] as (File & { webkitRelativePath?: string }) | undefined;
            onFolder(files, first?.webkitRelativePath?.split('/')[0] || 'images');
          }}
        />
      </label>
      <span className="gv-where" data-testid="folder-status">
        {folderStatus(snap)}
      </span>
    </div>
  );
}
