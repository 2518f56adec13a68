import { defineConfig } from 'vitest/config';
import { watModules } from './tools/vite-wat.ts';

export default defineConfig({
  // the same WebAssembly assembly as the app's build (vite.config.ts)
  plugins: [watModules()],
  test: {
    // *.test.ts run here in Node; *.e2e.ts are Playwright's (see package.json test:e2e)
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    // the golden and CLI tests run real ONNX models on a shared machine
    testTimeout: 120_000,
  },
});
