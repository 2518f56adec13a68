/**
 * A static file server for the built app with the cross-origin isolation headers (COOP/COEP) that WASM
 * threads need. Used by the e2e suite and the benchmark; nothing from the network.
 *
 *   npx tsx tools/static-server.ts [dir=dist] [port=0]    (prints the URL)
 *
 * Serves the app under a sub-path (/app/) so that the build's relative URLs are exercised.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SUB_PATH = '/app/';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticServer {
  /** Ends in SUB_PATH. */
  url: string;
  close(): Promise<void>;
}

/**
 * Start serving `root` on 127.0.0.1 (port 0 = any free port).
 * @example const { url, close } = await serveStatic('dist'); // http://127.0.0.1:40123/app/
 */
export function serveStatic(root: string, port = 0, options: { isolated?: boolean } = {}): Promise<StaticServer> {
  const base = path.resolve(root);
  // isolated: false imitates a plain static host (GitHub Pages and the like) that cannot send COOP/COEP
  const isolation: Record<string, string> =
    options.isolated === false
      ? {}
      : {
          'Cross-Origin-Opener-Policy': 'same-origin',
          'Cross-Origin-Embedder-Policy': 'require-corp',
          'Cross-Origin-Resource-Policy': 'same-origin',
        };
  const server = http.createServer((req, res) => {
    const headers: Record<string, string> = { ...isolation, 'Cache-Control': 'no-cache' };
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith(SUB_PATH)) {
      res.writeHead(302, { ...headers, Location: SUB_PATH });
      return res.end();
    }
    let rel = decodeURIComponent(url.pathname.slice(SUB_PATH.length)) || 'index.html';
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.resolve(base, rel);
    const inside = path.relative(base, file);
    if (inside.startsWith('..') || path.isAbsolute(inside) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' });
      return res.end(`not found: ${rel}`);
    }
    const size = fs.statSync(file).size;
    res.writeHead(200, {
      ...headers,
      'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'Content-Length': String(size),
    });
    if (req.method === 'HEAD') return res.end();
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      const { port: actual } = server.address() as import('node:net').AddressInfo;
      resolve({
        url: `http://127.0.0.1:${actual}${SUB_PATH}`,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [dir = 'dist', port = '0'] = process.argv.slice(2);
  const { url } = await serveStatic(dir, Number(port));
  console.log(url);
}
