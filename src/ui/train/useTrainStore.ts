/** The panel's views read the training store through this hook (useSyncExternalStore). */
import { useSyncExternalStore } from 'react';
import type { TrainSnapshot, TrainStore } from './store.js';

export function useTrainStore(store: TrainStore): TrainSnapshot {
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}
