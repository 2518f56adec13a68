/**
 * Download failures the browser reports with one bare "Failed to fetch", told apart (issue 17 item 7) by
 * the probes of src/lib/models/fetch-source.ts diagnoseFetchFailure, each a one-line message, with the
 * user's text and the previous model kept:
 *   - a host that answers without CORS headers (but lets any site embed its bytes: CORP cross-origin);
 *   - a URL that redirects to itself (with CORS headers, as a misconfigured CDN would);
 *   - a closed port, and a host with neither CORS nor CORP: the page is cross-origin isolated (COEP
 *     require-corp), so its probes cannot read either, and the message names both causes.
 * Backend-independent: wasm project only.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { bundledModels, expect, openPlayground, test, unfoldYourModel } from './fixtures';

const MODEL = 'tiny-bpe1k';

test.beforeEach(({ backend }) => {
  test.skip(!bundledModels().includes(MODEL), `${MODEL} is not bundled in dist/`);
  test.skip(backend !== 'wasm', 'backend-independent; runs in the wasm project');
});

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
const servers: http.Server[] = [];
test.afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A local server on a free port; its origin. */
async function serve(handler: Handler): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const json = (res: http.ServerResponse, headers: Record<string, string>) => {
  res.writeHead(200, { 'Content-Type': 'application/json', ...headers });
  res.end('{}');
};

const CASES: { name: string; start: () => Promise<string>; message: RegExp }[] = [
  {
    name: 'a host without CORS headers',
    start: () => serve((_, res) => json(res, { 'Cross-Origin-Resource-Policy': 'cross-origin' })),
    message: /config\.json: the server answers, but without the CORS headers \(Access-Control-Allow-Origin\)/,
  },
  {
    name: 'a redirect loop',
    start: () =>
      serve((req, res) => {
        res.writeHead(302, {
          Location: req.url ?? '/',
          'Access-Control-Allow-Origin': '*',
          'Cross-Origin-Resource-Policy': 'cross-origin',
        });
        res.end();
      }),
    message: /config\.json: the server redirects, and following its redirects fails: a redirect loop/,
  },
  {
    name: 'a closed port',
    start: async () => {
      const origin = await serve(() => undefined);
      await new Promise((resolve) => servers.pop()!.close(resolve));
      return origin;
    },
    message:
      /config\.json: the download failed \d times .*could not reach the server, or it does not let this page read its files/,
  },
  {
    name: 'a host with neither CORS nor CORP headers',
    start: () => serve((_, res) => json(res, {})),
    message:
      /could not reach the server, or it does not let this page read its files \(no CORS headers; the browser does not say which\)/,
  },
];

for (const { name, start, message } of CASES) {
  test(`${name} is named in one line; the text and the previous model stay`, async ({ page, backend, pageErrors }) => {
    void pageErrors;
    const origin = await start();
    await openPlayground(page, { backend, model: MODEL });
    const text = 'The text the user typed survives a failed load.';
    await page.getByTestId('text-input').fill(text);
    await unfoldYourModel(page);
    await page.getByTestId('model-url').fill(`${origin}/models/broken/`);
    await page.getByTestId('model-load').click();
    const error = page.getByTestId('error');
    await expect(error).toContainText(message, { timeout: 120_000 });
    // one line: no other cause's wording in it
    const shown = (await error.textContent()) ?? '';
    const causes = [/a redirect loop/, /without the CORS headers/, /could not reach the server/].filter((re) =>
      re.test(shown),
    );
    expect(causes, shown).toHaveLength(1);
    await expect(page.getByTestId('text-input')).toHaveValue(text);
    await expect(page.getByTestId('backend')).toHaveAttribute('data-model', MODEL);
  });
}
