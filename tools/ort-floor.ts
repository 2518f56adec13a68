/**
 * The floor of a cold first visit on this machine: onnxruntime-web alone in an empty page (tools/ort-floor.html),
 * in a fresh browser profile each time. It times, from navigation, the model downloaded, the runtime started,
 * the model's session open and two 128-token windows run: what no change to the app itself can go below.
 *
 *   npx tsx tools/ort-floor.ts [--repeat 6] [--model tiny-bpe8k] [--threads 2]
 */
import { chromium } from 'playwright-core';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from './chromium';
import { serveStatic } from './static-server';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
}

const REPEAT = Number(option('repeat', '6'));
const query = new URLSearchParams({ model: option('model', 'tiny-bpe8k'), threads: option('threads', '2') });

const server = await serveStatic('.', 0);
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS });
const times: Record<string, number[]> = {};
try {
  for (let i = 0; i < REPEAT; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}tools/ort-floor.html?${query}`);
    const floor = (await (
      await page.waitForFunction(() => (window as unknown as { __floor?: object }).__floor, null, { timeout: 120_000 })
    ).jsonValue()) as Record<string, number>;
    for (const [k, v] of Object.entries(floor)) (times[k] ??= []).push(v);
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];
console.log(`onnxruntime-web alone, ${query}, median of ${REPEAT} cold visits, ms from navigation:`);
for (const [k, xs] of Object.entries(times))
  console.log(
    `  ${k.padEnd(11)} ${median(xs).toFixed(0).padStart(5)}  (${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)})`,
  );
