/**
 * Model sessions on one ort build: the CPU path returns logits, the WebGPU path keeps them on the GPU
 * and runs the scoring head there. Both count what they do (forward passes, time in the model, bytes
 * read back) for the status line and the benchmark.
 */
import type { Tensor, InferenceSession } from 'onnxruntime-web';
import type { LogitsForward } from '../scoring/log-softmax';
import type { WindowRequest, WindowStats, WindowScorer } from '../scoring/types';
import { buildFeeds, int64Of, planModelIO, type ModelIO, type TensorFactory } from '../models/onnx-io';
import type { ModelConfig } from '../models/model-config';
import type { Ort, OrtBuild } from './ort-builds';
import { halfBits } from '../scoring/half';

/** Sizes an empty past key/value input of Optimum exports; unused by our own models. */
export type PastConfig = Partial<Pick<ModelConfig, 'n_kv_head' | 'head_dim' | 'vocab_size'>>;

/**
 * External weights of a model exported with `*.onnx_data` files: `path` is the name the .onnx file
 * refers to (its tensors' `location`, e.g. "model.onnx_data"), `data` the file's bytes.
 */
export interface ExternalDataFile {
  path: string;
  data: Uint8Array;
}

const makeTensor =
  (ort: Ort): TensorFactory<Tensor> =>
  (type, data, dims) =>
    // one call site for ort's overloaded constructor: FeedData always matches its FeedTensorType
    new ort.Tensor(type, data as Float32Array, dims) as Tensor;

/**
 * Decide once per session how to feed it (src/lib/models/onnx-io.ts) and which output holds the logits;
 * releases the session and rethrows, naming the model's inputs, when it cannot be fed.
 */
async function planSession(ort: Ort, session: InferenceSession, config: PastConfig) {
  let io: ModelIO;
  try {
    io = planModelIO(session.inputMetadata ?? session.inputNames, session.outputNames, config);
  } catch (e) {
    await session.release().catch(() => undefined);
    throw e;
  }
  const factory = makeTensor(ort);
  return { logitsName: io.logits, feeds: (ids: Int32Array) => buildFeeds(io, ids, factory) };
}

/** Logit types the scoring heads take: float32, and float16 as fp16 / q4f16 exports return them. */
export type LogitsType = 'float32' | 'float16';

/**
 * Throws unless logits are float32 or float16 (1, T, V) for T ids, with V the config's vocab_size when
 * given; returns their type.
 */
function checkLogits(logits: Tensor, T: number, vocab?: number): LogitsType {
  const [batch, rows, V] = logits.dims;
  if (
    (logits.type !== 'float32' && logits.type !== 'float16') ||
    logits.dims.length !== 3 ||
    batch !== 1 ||
    rows !== T
  ) {
    throw new Error(
      `the model returned logits ${logits.type} [${logits.dims.join(', ')}], expected float32 or float16 [1, ${T}, vocab]`,
    );
  }
  if (vocab && V !== vocab) {
    throw new Error(
      `the model returns ${V} logits per token, but its config says vocab_size ${vocab}: the files do not belong together`,
    );
  }
  return logits.type;
}

/** What a scorer did since it was made; plain numbers, structured-cloneable. */
export interface RuntimeCounters {
  /** Forward passes of the model (= windows scored). */
  forwardPasses: number;
  /** Wall time inside session.run (model and, on WebGPU, the scoring head), ms. */
  runMs: number;
  /** Bytes copied from the runtime back to JavaScript (logits on WASM, head outputs on WebGPU). */
  bytesReadBack: number;
  /** Wall time in the TypeScript scoring head (log-softmax, rank, entropy, top k: the WASM path), ms. */
  headMs: number;
}

export const zeroCounters = (): RuntimeCounters => ({ forwardPasses: 0, runMs: 0, bytesReadBack: 0, headMs: 0 });

export type { LogitsForward };

export interface CpuModel {
  forward: LogitsForward;
  counters: RuntimeCounters;
  release(): Promise<void>;
}

const now = () => globalThis.performance?.now() ?? Date.now();

/**
 * A WASM session whose forward pass returns the logits; the log-softmax runs in TypeScript.
 * @example const model = await createCpuModel(build, bytes); const logits = await model.forward(ids);
 */
export async function createCpuModel(
  build: OrtBuild,
  modelBytes: Uint8Array,
  config: PastConfig = {},
  externalData?: readonly ExternalDataFile[],
): Promise<CpuModel> {
  const { ort, queue } = build;
  const session = await ort.InferenceSession.create(modelBytes, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
    ...(externalData?.length ? { externalData } : {}),
  });
  const plan = await planSession(ort, session, config);
  const logitsName = plan.logitsName;
  const counters = zeroCounters();
  const forward: LogitsForward = async (ids) => {
    const feeds = plan.feeds(ids);
    const t0 = now();
    const out = await queue.run(() => session.run(feeds, [logitsName]));
    counters.runMs += now() - t0;
    const logits = out[logitsName];
    const type = checkLogits(logits, ids.length, config.vocab_size);
    const data = logits.data as Float32Array | Uint16Array; // (1, T, V) row-major
    counters.forwardPasses++;
    counters.bytesReadBack += data.byteLength;
    // float16 logits go to the head as they are: it widens one row at a time
    return type === 'float32' ? (data as Float32Array) : { type, bits: halfBits(data) };
  };
  return {
    forward,
    counters,
    // queued, so that a run still in flight finishes first
    release: () => queue.run(() => session.release()),
  };
}

/** The scoring head's output names (training/make_scoring_head.py). */
const HEAD_OUTPUTS = ['target_logprob', 'rank', 'entropy', 'top_logprobs', 'top_ids'] as const;

export interface GpuScorer extends WindowScorer {
  counters: RuntimeCounters;
  release(): Promise<void>;
}

/**
 * The WebGPU path: the model's logits stay on the GPU ('gpu-buffer') and feed the scoring head, a
 * second session on the same device; only (n x (3 + 2k)) numbers per window come back.
 * @example const scorer = await createGpuScorer(build, modelBytes, headBytes); await scorer.scoreWindow({ ids, from: 0, k: 5 });
 */
export async function createGpuScorer(
  build: OrtBuild,
  modelBytes: Uint8Array,
  headBytes: (logits: LogitsType) => Promise<Uint8Array>,
  config: PastConfig = {},
  externalData?: readonly ExternalDataFile[],
): Promise<GpuScorer> {
  const { ort, queue } = build;
  let model: InferenceSession | null = null;
  // one head per logits type, opened when the model first returns that type (float16: the Cast variant)
  const heads = new Map<LogitsType, Promise<InferenceSession>>();
  const headFor = (type: LogitsType): Promise<InferenceSession> => {
    let head = heads.get(type);
    if (!head) {
      head = headBytes(type).then((bytes) =>
        ort.InferenceSession.create(bytes, { executionProviders: ['webgpu'], graphOptimizationLevel: 'all' }),
      );
      heads.set(type, head);
    }
    return head;
  };
  const releaseHeads = async () => {
    for (const head of heads.values()) await (await head.catch(() => null))?.release().catch(() => undefined);
  };
  try {
    // every output stays on the GPU; only the logits are fetched, and the head reads them there
    model = await ort.InferenceSession.create(modelBytes, {
      executionProviders: ['webgpu'],
      graphOptimizationLevel: 'all',
      preferredOutputLocation: 'gpu-buffer',
      ...(externalData?.length ? { externalData } : {}),
    });
    const modelSession = model;
    const plan = await planSession(ort, modelSession, config);
    const logitsName = plan.logitsName;
    const counters = zeroCounters();
    const int64 = (values: ArrayLike<number>, dims: number[]) => new ort.Tensor('int64', int64Of(values), dims);

    const scoreWindow = async ({ ids, from, k }: WindowRequest): Promise<WindowStats> => {
      const n = ids.length - 1 - from; // targets ids[from + 1] .. ids[T - 1]
      if (n <= 0) return emptyStats(0, k);
      const feeds = plan.feeds(ids);
      const targets = int64(ids.subarray(from + 1), [1, n]);
      const t0 = now();
      const out = await queue.run(async () => {
        const forward = await modelSession.run(feeds, [logitsName]);
        const logits = forward[logitsName];
        try {
          const headSession = await headFor(checkLogits(logits, ids.length, config.vocab_size));
          const vocab = logits.dims[logits.dims.length - 1];
          const kk = Math.max(1, Math.min(k, vocab));
          return {
            kk,
            head: await headSession.run(
              { logits, first_row: int64([from], [1]), targets, k: int64([kk], [1]) },
              HEAD_OUTPUTS as unknown as string[],
            ),
          };
        } finally {
          logits.dispose();
        }
      });
      counters.runMs += now() - t0;
      counters.forwardPasses++;
      const h = out.head;
      for (const name of HEAD_OUTPUTS) counters.bytesReadBack += (h[name].data as ArrayBufferView).byteLength;
      return toStats(h, n, Math.min(k, out.kk), out.kk);
    };

    return {
      backend: 'webgpu',
      scoreWindow,
      counters,
      release: () =>
        queue.run(async () => {
          await modelSession.release();
          await releaseHeads();
        }),
    };
  } catch (e) {
    await model?.release().catch(() => undefined);
    await releaseHeads();
    throw e;
  }
}

/** Head outputs (1, n) and (1, n, kk) -> WindowStats with k alternatives per row (k <= kk). */
function toStats(h: Record<string, Tensor>, n: number, k: number, kk: number): WindowStats {
  const logprob = h.target_logprob.data as Float32Array;
  const rank = h.rank.data as Float32Array;
  const entropy = h.entropy.data as Float32Array;
  const topL = h.top_logprobs.data as Float32Array;
  const topI = h.top_ids.data as Int32Array;
  const stats = emptyStats(n, k);
  for (let i = 0; i < n; i++) {
    stats.logprob[i] = logprob[i];
    stats.rank[i] = Math.round(rank[i]);
    stats.entropy[i] = entropy[i];
    for (let j = 0; j < k; j++) {
      stats.topIds[i * k + j] = topI[i * kk + j];
      stats.topLogprobs[i * k + j] = topL[i * kk + j];
    }
  }
  return stats;
}

function emptyStats(n: number, k: number): WindowStats {
  const kk = Math.max(0, k);
  return {
    logprob: new Float64Array(n),
    rank: new Int32Array(n),
    entropy: new Float64Array(n),
    topIds: new Int32Array(n * kk),
    topLogprobs: new Float64Array(n * kk),
  };
}
