/**
 * The training worker: WASM and CPU training off the page's main thread, so
 * a long step (seconds for the large templates) never freezes the editor.
 * It hosts a LocalEngine and answers the page's WorkerEngine one request at
 * a time.
 */
import '@tensorflow/tfjs-backend-cpu';
import { LocalEngine, type WorkerReply, type WorkerRequest } from './engine.js';
import { serveWasmFromBundle } from './wasm.js';

serveWasmFromBundle(self.location.origin);

let engine: LocalEngine | undefined;
let queue: Promise<void> = Promise.resolve();

async function answer(req: WorkerRequest): Promise<unknown> {
  if (req.method === 'create') {
    engine?.dispose();
    engine = await LocalEngine.create(req.init, true);
    return { backend: engine.backend, batchSize: engine.batchSize };
  }
  if (!engine) throw new Error('The training worker has no run.');
  switch (req.method) {
    case 'step':
      return engine.step();
    case 'sample':
      return engine.sample({
        ...(req.fid !== undefined ? { fid: req.fid } : {}),
        ...(req.surface !== undefined ? { surface: req.surface } : {}),
      });
    case 'loadGenerator':
      return engine.loadGenerator(req.bytes);
    case 'generatorWeights':
      return engine.generatorWeights();
    case 'checkpoint':
      return engine.checkpoint();
    case 'generator':
      return engine.generator();
    case 'best':
      return engine.best();
    case 'exploreInfo':
      return engine.exploreInfo();
    case 'explore':
      return engine.explore(req.req);
    case 'dispose':
      engine.dispose();
      engine = undefined;
      return null;
  }
}

self.onmessage = (e: MessageEvent<WorkerRequest>) => {
  const req = e.data;
  // One request at a time, in order.
  queue = queue.then(async () => {
    let reply: WorkerReply;
    try {
      reply = { id: req.id, ok: true, value: await answer(req), steps: engine?.steps ?? [] };
    } catch (err) {
      reply = { id: req.id, ok: false, error: (err as Error).message };
    }
    (self as unknown as Worker).postMessage(reply);
  });
};
