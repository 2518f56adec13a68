import { describe, expect, it } from 'vitest';
import {
  externalDataAmong,
  hubPrefix,
  normalizeEndpoint,
  onnxFilesAmong,
  resolveModelLocation,
} from '../../src/lib/models/hub';

describe('hub repo ids resolve to resolve/<rev>/ prefixes', () => {
  it('owner/name defaults to main on huggingface.co', () => {
    expect(resolveModelLocation('Xenova/gpt2')).toEqual({
      kind: 'hub',
      prefix: 'https://huggingface.co/Xenova/gpt2/resolve/main/',
      name: 'Xenova/gpt2',
      repo: 'Xenova/gpt2',
      revision: 'main',
      endpoint: 'https://huggingface.co',
    });
  });

  it('@revision: a commit, a tag, a PR ref (slashes encoded as hf_hub_url does)', () => {
    expect(resolveModelLocation('HuggingFaceTB/SmolLM2-135M-Instruct@v1.0').prefix).toBe(
      'https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct/resolve/v1.0/',
    );
    expect(resolveModelLocation('a/b@0123abcd').name).toBe('a/b@0123abcd');
    expect(resolveModelLocation('a/b@refs/pr/3').prefix).toBe('https://huggingface.co/a/b/resolve/refs%2Fpr%2F3/');
  });

  it('the endpoint is configurable (a mirror, a local imitation under a sub-path)', () => {
    expect(resolveModelLocation(' owner/model.v2 ', { endpoint: 'http://127.0.0.1:9000/hub/' }).prefix).toBe(
      'http://127.0.0.1:9000/hub/owner/model.v2/resolve/main/',
    );
    expect(hubPrefix('o/n', 'dev', 'https://hf-mirror.com')).toBe('https://hf-mirror.com/o/n/resolve/dev/');
    expect(normalizeEndpoint('')).toBe('https://huggingface.co');
    expect(() => normalizeEndpoint('ftp://x')).toThrow(/http/);
    expect(() => normalizeEndpoint('not a url')).toThrow(/not a URL/);
  });

  it('URL prefixes stay URLs; a pasted hub page URL becomes its repo', () => {
    expect(resolveModelLocation('https://host.example/models/tiny')).toEqual({
      kind: 'url',
      prefix: 'https://host.example/models/tiny/',
      name: 'tiny',
    });
    expect(resolveModelLocation('https://huggingface.co/Xenova/gpt2').prefix).toBe(
      'https://huggingface.co/Xenova/gpt2/resolve/main/',
    );
    expect(resolveModelLocation('https://huggingface.co/Xenova/gpt2/tree/refs%2Fpr%2F1').prefix).toBe(
      'https://huggingface.co/Xenova/gpt2/resolve/refs%2Fpr%2F1/',
    );
    const resolved = resolveModelLocation('https://huggingface.co/Xenova/gpt2/resolve/main/');
    expect(resolved).toMatchObject({ kind: 'url', name: 'Xenova/gpt2@main' });
    expect(resolveModelLocation('./models/tiny-bpe1k/', { base: 'http://127.0.0.1:4179/app/' }).prefix).toBe(
      'http://127.0.0.1:4179/app/models/tiny-bpe1k/',
    );
  });

  it('refuses what it cannot load, saying what it accepts', () => {
    expect(() => resolveModelLocation('')).toThrow(/repo id/);
    expect(() => resolveModelLocation('just words here')).toThrow(/neither a URL nor a hub repo id/);
    expect(() => resolveModelLocation('not a repo id!', { base: 'http://127.0.0.1/app/' })).toThrow(
      /neither a URL nor a hub repo id/,
    );
    expect(() => resolveModelLocation('file:///home/me/model/')).toThrow(/file picker/);
  });
});

describe('variants among dropped files', () => {
  it('lists ONNX files fp32 first, and finds external weights by base name', () => {
    expect(
      onnxFilesAmong(['config.json', 'onnx/model_quantized.onnx', 'onnx/model.onnx', 'decoder_model_merged.onnx']),
    ).toEqual(['onnx/model.onnx', 'decoder_model_merged.onnx', 'onnx/model_quantized.onnx']);
    expect(
      externalDataAmong('onnx/model.onnx', [
        'model.onnx_data',
        'model_quantized.onnx_data',
        'model.onnx.data',
        'tokenizer.json',
      ]),
    ).toEqual(['model.onnx_data', 'model.onnx.data']);
  });
});
