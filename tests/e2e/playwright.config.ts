import { defineConfig } from '@playwright/test';

/**
 * Browser tests in Debian's Chromium (apt-get install chromium): Playwright's
 * own browser download cannot work on a closed network. The flags keep
 * Chromium from reaching out, and --enable-unsafe-webgpu gives a SwiftShader
 * WebGPU adapter without a GPU.
 */
const PORT = Number(process.env.E2E_PORT ?? 5179);
export default defineConfig({
  testDir: '.',
  outputDir: '../../test-results/e2e',
  timeout: 60_000,
  retries: 0,
  workers: 1,
  reporter: [['list'], ['json', { outputFile: '../../test-results/e2e.json' }]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    screenshot: 'on',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-dev-shm-usage',
        '--enable-unsafe-webgpu',
      ],
    },
  },
  webServer: {
    command: `npx vite --port ${PORT} --strictPort`,
    url: `http://127.0.0.1:${PORT}`,
    reuseExistingServer: false,
    timeout: 120_000,
    cwd: '../..',
  },
});
