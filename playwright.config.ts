/**
 * The e2e suite: Playwright against the built app (`vite build`, then a local static server with the
 * COOP/COEP headers, serving dist/ under a sub-path). Nothing comes from the network. One test body per
 * file, run once per backend project (STYLE.md 9). Chromium is Debian's (/usr/bin/chromium): never
 * `npx playwright install`.
 *
 *   npm run test:e2e                       # build + both backends
 *   npx playwright test --project=wasm     # one backend, on an existing build
 */
import { defineConfig } from '@playwright/test';
import type { E2eOptions } from './test/e2e/fixtures';
import { CHROMIUM_FLAGS, CHROMIUM_PATH, WEBGPU_FLAG } from './tools/chromium';

const PORT = Number(process.env.PP_E2E_PORT ?? 4179);

export default defineConfig<E2eOptions>({
  testDir: 'test/e2e',
  testMatch: '**/*.e2e.ts',
  outputDir: 'test-results/e2e',
  // one browser at a time: the machine is small and WebGPU here is a software rasteriser
  workers: 1,
  fullyParallel: false,
  // SwiftShader WebGPU is ~100x slower than WASM
  timeout: 300_000,
  expect: { timeout: 60_000 },
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}/app/`,
    viewport: { width: 1280, height: 900 },
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS },
    trace: 'off',
    // the app's offline cache would answer requests that tests route; test/e2e/offline.e2e.ts allows it
    serviceWorkers: 'block',
  },
  projects: [
    { name: 'wasm', use: { backend: 'wasm' } },
    {
      name: 'webgpu',
      use: {
        backend: 'webgpu',
        launchOptions: {
          executablePath: CHROMIUM_PATH,
          args: [...CHROMIUM_FLAGS, WEBGPU_FLAG],
        },
      },
    },
  ],
  webServer: {
    command: `npx tsx tools/static-server.ts dist ${PORT}`,
    url: `http://127.0.0.1:${PORT}/app/`,
    reuseExistingServer: false,
    timeout: 30_000,
  },
});
