/**
 * Debian's Chromium (`apt-get install -y chromium`), never a Playwright download, and the flags that work
 * on these machines. Shared by the e2e suite (playwright.config.ts) and the benchmark (cli/bench.ts).
 */
export const CHROMIUM_PATH = process.env.PP_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** WebGPU here is a SwiftShader software adapter: correct, about 100x slower than WASM. */
export const WEBGPU_FLAG = '--enable-unsafe-webgpu';
