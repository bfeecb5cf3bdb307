/** Training on tfjs: backends, the trainer and its session, pictures, quality and stability figures, checkpoints. The public surface of core/train. */
export * from './backend.js';
export * from './c2pa.js';
export * from './checkpoint.js';
export * from './early-stop.js';
export * from './fid.js';
export * from './generator-weights.js';
export * from './images.js';
export * from './losses.js';
export * from './memory.js';
export * from './metrics.js';
export * from './progressive.js';
export * from './provenance.js';
export * from './safetensors.js';
export * from './schedule.js';
export * from './session.js';
export * from './stability.js';
export * from './trainer.js';
