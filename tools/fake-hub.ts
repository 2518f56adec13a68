/**
 * A local imitation of the Hugging Face hub's file layout and headers, for the e2e tests and the benchmark
 * (cli/bench.ts). Nothing from the network.
 *
 *   GET /<owner>/<name>/resolve/<rev>/<path>
 *     small files (JSON): 200 with ETag, X-Repo-Commit (as the hub serves non-LFS files)
 *     weights (.onnx, .onnx_data): 302 to /cdn/<sha256>/<file> with X-Linked-Size / X-Linked-ETag, and
 *       the CDN answers with ETag "<sha256>" (as LFS files are served)
 *     missing file: 404 X-Error-Code: EntryNotFound; unknown repo: 401 X-Error-Code: RepositoryNotFound
 *   GET /api/models/<owner>/<name>/tree/<rev>?recursive=1
 *     the repository's listing, as the hub's tree API gives it: [{ type, oid, path, size, lfs? }], directories
 *     included, weights as LFS entries (their size in lfs.size); 404 for a repo with `listing: false`
 *   Every response is cross-origin readable: CORS `*` and `Cross-Origin-Resource-Policy: cross-origin`,
 *   because the app page is cross-origin isolated (COEP require-corp).
 *
 * Behaviours per weights file: `slow` (streamed in small chunks), `drop` (the next N downloads stop
 * halfway and the connection is destroyed), `fakeSize` (announce a size and send nothing).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

export interface FakeRepo {
  /** path in the repo -> bytes */
  files: Record<string, Buffer>;
  /** Stream weights in 64 kB chunks, this many ms apart. */
  slowMs?: number;
  /** Weights paths that announce this Content-Length and send nothing (a model too large). */
  fakeSize?: Record<string, number>;
  /** Answer the tree API for this repo. @defaultValue true */
  listing?: boolean;
}

export interface FakeHub {
  /** The endpoint, e.g. http://127.0.0.1:40123 (no trailing slash). */
  endpoint: string;
  repos: Map<string, FakeRepo>;
  /** "<repo>/<path>" -> downloads left that drop halfway. */
  drop: Map<string, number>;
  /** Every request's method and path, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** A model folder on disk as repo files (config.json, tokenizer.json, onnx/model.onnx, ...). */
export function folderFiles(dir: string, only?: readonly string[]): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(p);
      else if (!only || only.includes(p)) out[p] = fs.readFileSync(path.join(dir, p));
    }
  };
  walk('');
  return out;
}

/** The tree API's entries of a repo: folders, then files; weights as LFS objects (a small pointer, lfs.size the file's). */
function listing(repo: FakeRepo): unknown[] {
  const paths = [...new Set([...Object.keys(repo.files), ...Object.keys(repo.fakeSize ?? {})])].sort();
  const dirs = [
    ...new Set(
      paths.flatMap((p) =>
        p
          .split('/')
          .slice(0, -1)
          .map((_, i, parts) => parts.slice(0, i + 1).join('/')),
      ),
    ),
  ];
  return [
    ...dirs.map((p) => ({ type: 'directory', oid: sha1(Buffer.from(p)), path: p, size: 0 })),
    ...paths.map((p) => {
      const size = repo.files[p]?.length ?? repo.fakeSize![p];
      return isWeights(p)
        ? {
            type: 'file',
            oid: sha1(Buffer.from(p)),
            path: p,
            size: 134,
            lfs: { oid: sha256(repo.files[p] ?? Buffer.from(p)), size, pointerSize: 134 },
          }
        : { type: 'file', oid: sha1(repo.files[p]), path: p, size };
    }),
  ];
}

const isWeights = (p: string) => /\.onnx(_data(_\d+)?|\.data)?$/.test(p);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

export async function startFakeHub(repos: Record<string, FakeRepo>): Promise<FakeHub> {
  const hub: Omit<FakeHub, 'endpoint' | 'close'> = {
    repos: new Map(Object.entries(repos)),
    drop: new Map(),
    requests: [],
  };
  const cdn = new Map<string, { repo: string; path: string }>();
  const sockets = new Set<import('node:net').Socket>();
  const common = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers':
      'Content-Length, ETag, X-Linked-Size, X-Linked-ETag, X-Repo-Commit, X-Error-Code, Location',
    'Cross-Origin-Resource-Policy': 'cross-origin',
    'Cache-Control': 'no-store', // the app's own cache is what is tested, not the HTTP cache
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    hub.requests.push(`${req.method} ${url.pathname}`);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...common,
        'Access-Control-Allow-Methods': 'GET, HEAD',
        'Access-Control-Allow-Headers': '*',
      });
      return res.end();
    }
    const tree = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/([^/]+)$/.exec(url.pathname);
    if (tree) {
      const repo = hub.repos.get(tree[1]);
      if (!repo || repo.listing === false) {
        res.writeHead(404, { ...common, 'Content-Type': 'application/json' });
        return res.end(JSON.stringify({ error: 'Not Found' }));
      }
      res.writeHead(200, { ...common, 'Content-Type': 'application/json' });
      return res.end(JSON.stringify(listing(repo)));
    }
    const cdnMatch = /^\/cdn\/([0-9a-f]{64})\/[^/]+$/.exec(url.pathname);
    if (cdnMatch) {
      const target = cdn.get(cdnMatch[1]);
      const repo = target && hub.repos.get(target.repo);
      if (!target || !repo) {
        res.writeHead(404, common);
        return res.end('NoSuchKey');
      }
      return sendWeights(res, target.repo, repo, target.path);
    }
    const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const repo = m && hub.repos.get(m[1]);
    if (!m || !repo) {
      res.writeHead(401, { ...common, 'Content-Type': 'application/json', 'X-Error-Code': 'RepositoryNotFound' });
      return res.end(JSON.stringify({ error: 'Repository Not Found' }));
    }
    const file = decodeURIComponent(m[3]);
    const body = repo.files[file];
    const fake = repo.fakeSize?.[file];
    if (!body && fake === undefined) {
      res.writeHead(404, { ...common, 'Content-Type': 'text/plain', 'X-Error-Code': 'EntryNotFound' });
      return res.end('Entry not found');
    }
    const commit = sha1(Buffer.from(m[1]));
    if (isWeights(file)) {
      const digest = body ? sha256(body) : sha256(Buffer.from(`${m[1]}/${file}`));
      cdn.set(digest, { repo: m[1], path: file });
      res.writeHead(302, {
        ...common,
        Location: `/cdn/${digest}/${path.basename(file)}`,
        'X-Linked-Size': String(body?.length ?? fake),
        'X-Linked-ETag': `"${digest}"`,
        'X-Repo-Commit': commit,
      });
      return res.end();
    }
    res.writeHead(200, {
      ...common,
      'Content-Type': file.endsWith('.json') ? 'application/json' : 'application/octet-stream',
      'Content-Length': String(body!.length),
      ETag: `"${sha1(body!)}"`,
      'X-Repo-Commit': commit,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });

  function sendWeights(res: http.ServerResponse, repoId: string, repo: FakeRepo, file: string) {
    const fake = repo.fakeSize?.[file];
    if (fake !== undefined) {
      res.writeHead(200, { ...common, 'Content-Type': 'application/octet-stream', 'Content-Length': String(fake) });
      res.flushHeaders();
      return; // never sends the body: the client must refuse it from the headers alone
    }
    const body = repo.files[file];
    res.writeHead(200, {
      ...common,
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(body.length),
      ETag: `"${sha256(body)}"`,
    });
    const key = `${repoId}/${file}`;
    const drops = hub.drop.get(key) ?? 0;
    if (drops > 0) {
      hub.drop.set(key, drops - 1);
      res.write(body.subarray(0, body.length >> 1), () => setTimeout(() => res.socket?.destroy(), 50));
      return;
    }
    if (!repo.slowMs) return res.end(body);
    let at = 0;
    const CHUNK = 64 * 1024;
    const next = () => {
      if (res.destroyed) return;
      const end = Math.min(body.length, at + CHUNK);
      res.write(body.subarray(at, end));
      at = end;
      if (at >= body.length) res.end();
      else setTimeout(next, repo.slowMs);
    };
    next();
  }

  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as import('node:net').AddressInfo;
  return {
    ...hub,
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
