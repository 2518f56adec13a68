/**
 * A hub repository's listing (the tree API) and the variant chosen from it for each backend
 * (src/lib/models/hub-listing.ts), on the real-export fixtures' folders as a hub would list them.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { chooseFromListing, fetchHubListing, hubTreeUrl, parseHubTree } from '../../src/lib/models/hub-listing';
import { STALL_MS } from '../../src/lib/models/fetch-source';
import type { RepoFile } from '../../src/lib/models/layouts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'real-export');

function listingOf(layout: string): RepoFile[] {
  const root = join(FIXTURES, layout);
  const out: RepoFile[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push({ path: relative(root, p), size: statSync(p).size });
    }
  };
  walk(root);
  return out;
}

const hub = { endpoint: 'https://hub.example', repo: 'owner/name', revision: 'refs/pr/1' };

describe('the tree API', () => {
  it('lists a repository recursively at a revision, encoded', () => {
    expect(hubTreeUrl(hub)).toBe('https://hub.example/api/models/owner/name/tree/refs%2Fpr%2F1?recursive=1');
  });

  it('keeps files, takes an LFS file at its object size, and refuses what is not a listing', () => {
    const page = [
      { type: 'directory', oid: 'a', path: 'onnx', size: 0 },
      { type: 'file', oid: 'b', path: 'config.json', size: 374 },
      {
        type: 'file',
        oid: 'c',
        path: 'onnx/model.onnx',
        size: 134,
        lfs: { oid: 'd', size: 498_000_000, pointerSize: 134 },
      },
    ];
    expect(parseHubTree(page)).toEqual([
      { path: 'config.json', size: 374 },
      { path: 'onnx/model.onnx', size: 498_000_000 },
    ]);
    expect(parseHubTree({ error: 'Repository not found' })).toBeNull();
    expect(parseHubTree([{ type: 'file' }])).toBeNull();
    expect(parseHubTree('<!doctype html>')).toBeNull();
  });

  it('follows the pages a Link header names, and gives null where there is no listing (a static host)', async () => {
    const pages: Record<string, { body: unknown; link?: string }> = {
      [hubTreeUrl(hub)]: {
        body: [{ type: 'file', path: 'config.json', size: 1 }],
        link: '</api/models/owner/name/tree/refs%2Fpr%2F1?recursive=1&cursor=x>; rel="next"',
      },
      'https://hub.example/api/models/owner/name/tree/refs%2Fpr%2F1?recursive=1&cursor=x': {
        body: [{ type: 'file', path: 'tokenizer.json', size: 2 }],
      },
    };
    const seen: string[] = [];
    const paged = (async (url: string) => {
      seen.push(url);
      const page = pages[url];
      if (!page) return new Response('not found', { status: 404 });
      return new Response(JSON.stringify(page.body), { headers: page.link ? { Link: page.link } : {} });
    }) as typeof fetch;
    expect(await fetchHubListing(hub, { fetch: paged })).toEqual([
      { path: 'config.json', size: 1 },
      { path: 'tokenizer.json', size: 2 },
    ]);
    expect(seen).toHaveLength(2);

    const status = (code: number) => (async () => new Response('<html>', { status: code })) as typeof fetch;
    expect(await fetchHubListing(hub, { fetch: status(404) })).toBeNull();
    expect(await fetchHubListing(hub, { fetch: status(200) })).toBeNull(); // HTML, not JSON
    const offline = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    expect(await fetchHubListing(hub, { fetch: offline })).toBeNull();
  });

  it('rejects when the load is cancelled, rather than falling back to probing', async () => {
    const controller = new AbortController();
    controller.abort();
    const aborting = (async () => {
      throw new DOMException('aborted', 'AbortError');
    }) as typeof fetch;
    await expect(fetchHubListing(hub, { fetch: aborting, signal: controller.signal })).rejects.toThrow();
  });
});

describe('the variant chosen from the listing, for the backend', () => {
  const tjs = listingOf('transformers-js');
  const size = (path: string) => tjs.find((f) => f.path === path)!.size;

  it('WASM: the smallest of fp32, quantized, uint8, int8, q4 (here the 4-bit file), saying why and what else there is', () => {
    const choice = chooseFromListing(tjs, { backend: 'wasm', shaderF16: false });
    const smallest = ['onnx/model_quantized.onnx', 'onnx/model_q4.onnx'].reduce((a, b) => (size(b) < size(a) ? b : a));
    expect(choice.onnx).toBe(smallest);
    expect(choice.folder).toBe('');
    expect(choice.note).toMatch(
      new RegExp(
        `^Chose ${smallest.replace('.', '\\.')} \\((q4|quantized), [\\d.]+ kB\\) from the repository's listing: `,
      ),
    );
    expect(choice.note).toContain('the smallest of the variants WASM runs well (fp32, quantized, uint8, int8, q4)');
    expect(choice.note).toContain('fp16'); // among the others listed
  });

  it('WebGPU with shader-f16: fp16 / q4f16 qualify (the smallest wins); without it, never a float16 file', () => {
    const f16 = chooseFromListing(tjs, { backend: 'webgpu', shaderF16: true });
    const smallestF16 = ['onnx/model_fp16.onnx', 'onnx/model_q4.onnx', 'onnx/model_q4f16.onnx'].reduce((a, b) =>
      size(b) < size(a) ? b : a,
    );
    expect(f16.onnx).toBe(smallestF16);
    expect(f16.note).toContain('WebGPU with shader-f16 runs well (fp32, fp16, q4, q4f16)');
    const plain = chooseFromListing(tjs, { backend: 'webgpu', shaderF16: false });
    expect(plain.onnx).toBe('onnx/model_q4.onnx');
    expect(plain.note).toContain('WebGPU without shader-f16 runs well (fp32, q4)');
  });

  it('the other toolchains: Optimum merged decoder, genai builder (config from genai_config.json)', () => {
    expect(chooseFromListing(listingOf('optimum'), { backend: 'wasm', shaderF16: false }).onnx).toBe(
      'decoder_model_merged.onnx',
    );
    const genai = chooseFromListing(listingOf('genai-multipart'), { backend: 'wasm', shaderF16: false });
    expect(genai).toMatchObject({ onnx: 'model.onnx', folder: '' });
    expect(genai.note).toContain('the only variant it has');
    // a genai repository with a folder per variant: the folder travels with the file
    const perFolder = listingOf('genai-multipart').flatMap((f) => [
      { path: `cpu-int4-rtn-block-32/${f.path}`, size: Math.round(f.size / 4) },
      { path: `fp32/${f.path}`, size: f.size },
    ]);
    expect(chooseFromListing(perFolder, { backend: 'wasm', shaderF16: false })).toMatchObject({
      onnx: 'cpu-int4-rtn-block-32/model.onnx',
      folder: 'cpu-int4-rtn-block-32/',
    });
  });

  it('a listing without a decoder or a tokenizer is refused in one line', () => {
    expect(() => chooseFromListing([{ path: 'README.md', size: 10 }], { backend: 'wasm', shaderF16: false })).toThrow(
      /no ONNX decoder this app knows in the listing/,
    );
    const noTokenizer = tjs.filter((f) => f.path !== 'tokenizer.json');
    expect(() => chooseFromListing(noTokenizer, { backend: 'wasm', shaderF16: false })).toThrow(/no tokenizer\.json/);
  });
});

describe('a listing that stalls', () => {
  it('gives up after the stall timeout, aborts the request and lets the loader probe instead', async () => {
    vi.useFakeTimers();
    try {
      let aborted = false;
      const stalled = ((_url: string, init?: RequestInit) =>
        new Promise<Response>((_, reject) => {
          init?.signal?.addEventListener('abort', () => {
            aborted = true;
            reject(new DOMException('aborted', 'AbortError'));
          });
        })) as typeof fetch;
      const listing = fetchHubListing(
        { endpoint: 'https://hub.test', repo: 'a/b', revision: 'main' },
        { fetch: stalled },
      );
      let outcome: unknown = 'still waiting';
      void listing.then((files) => (outcome = files));
      await vi.advanceTimersByTimeAsync(STALL_MS + 1);
      expect(outcome).toBeNull();
      expect(aborted).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
