import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  plugins: [react()],
  // Pre-bundle everything the app and the browser-test harness import, so a
  // fresh checkout's first page load is not reloaded by dependency discovery.
  optimizeDeps: {
    entries: ['index.html', 'src/ui/train/TrainPanel.tsx', 'tests/e2e/gpu-harness.ts'],
    include: [
      '@tensorflow/tfjs-core',
      '@tensorflow/tfjs-layers',
      '@tensorflow/tfjs-backend-cpu',
      '@tensorflow/tfjs-backend-webgpu',
      '@tensorflow/tfjs-backend-webgl',
      '@tensorflow/tfjs-backend-wasm',
      'uplot',
      'seedrandom',
      'zod',
      'jsonc-parser',
      'react',
      'react-dom/client',
      '@xyflow/react',
    ],
  },
  // Cross-origin isolation (COOP + COEP): SharedArrayBuffer exists, so tfjs' WASM backend loads its threaded
  // binary and uses threads (up to hardwareConcurrency / 2). Every asset the app loads is same-origin. A static
  // host must send the same two headers (README: "Hosting"), or use a service worker such as coi-serviceworker.
  server: { host: '127.0.0.1', port: 5173, headers: ISOLATION },
  preview: { host: '127.0.0.1', port: 4173, headers: ISOLATION },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['tests/unit/setup.ts'],
    testTimeout: 60_000,
    pool: 'threads',
    reporters: ['default', ['json', { outputFile: 'test-results/unit.json' }]],
  },
});
