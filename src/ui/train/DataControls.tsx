/**
 * The dataset part of the panel: the source of each Dataset node, and a
 * folder of images chosen here or dropped on the panel (decoded by the
 * browser at the size the dataset asks for).
 */

import { useEffect, useState } from 'react';
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

/**
 * The MNIST node's count: train on the first N digits only (empty: all of them). Applied on Enter or when the
 * field loses focus; anything but a whole number from 1 is refused where it is typed.
 */
function DigitCount(props: {
  id: string;
  count: number | undefined;
  disabled: boolean;
  onCount: (count: number | undefined) => void;
}) {
  const { id, count, disabled, onCount } = props;
  const [text, setText] = useState(count === undefined ? '' : String(count));
  const [error, setError] = useState('');
  useEffect(() => setText(count === undefined ? '' : String(count)), [count]);
  const commit = () => {
    const t = text.trim();
    if (t === '') {
      setError('');
      if (count !== undefined) onCount(undefined);
      return;
    }
    const n = Number(t);
    if (!Number.isInteger(n) || n < 1 || n > 1_000_000) {
      setError('a whole number of digits from 1, or empty for all');
      return;
    }
    setError('');
    if (n !== count) onCount(n);
  };
  return (
    <label title="Train on the first N digits only (a small dataset, where augmentation matters); empty: all of them">
      first{' '}
      <input
        className="gv-count"
        type="text"
        inputMode="numeric"
        aria-label={`Digits of ${id}`}
        aria-invalid={error !== ''}
        placeholder="all"
        value={text}
        disabled={disabled}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
        }}
      />{' '}
      digits
      {error && (
        <span role="alert" className="gv-field-error">
          {' '}
          {error}
        </span>
      )}
    </label>
  );
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
          {d.params.source === 'mnist' && (
            <DigitCount
              id={d.id}
              count={d.params.count}
              disabled={disabled || !onDataset}
              onCount={(count) => {
                const { count: _old, ...rest } = d.params as Extract<DatasetParams, { source: 'mnist' }>;
                onDataset?.(d.id, count === undefined ? rest : { ...rest, count });
              }}
            />
          )}{' '}
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
