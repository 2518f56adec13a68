/**
 * The command line's runtime: the ONE module under cli/ that imports onnxruntime-node. The forward
 * pass returns the logits and src/lib/scoring's log-softmax does the rest, as on the browser's WASM path.
 */
import * as ort from 'onnxruntime-node';
import type { ExternalWeights } from '../src/lib/models/external-data';
import type { ModelConfig } from '../src/lib/models/model-config';
import { buildFeeds, planModelIO, type ModelIO, type TensorFactory } from '../src/lib/models/onnx-io';
import { halfBits } from '../src/lib/scoring/half';
import { logitsScorer, type LogitsForward } from '../src/lib/scoring/log-softmax';
import type { WindowScorer } from '../src/lib/scoring/types';

export interface NodeModel {
  /** ids (T) -> logits (T, V) row-major. */
  forward: LogitsForward;
  scorer: WindowScorer;
  /** Forward passes run so far (one per window). */
  readonly forwardPasses: number;
  release(): Promise<void>;
}

const makeTensor: TensorFactory<ort.Tensor> = (type, data, dims) => new ort.Tensor(type, data, dims);

/**
 * Open an ONNX language model with onnxruntime-node on the CPU.
 * @example const model = await openNodeModel(bytes, config, 'models/tiny-bpe1k/onnx/model.onnx');
 */
export async function openNodeModel(
  modelBytes: Uint8Array,
  config: Partial<Pick<ModelConfig, 'n_kv_head' | 'head_dim'>>,
  where: string,
  externalData?: readonly ExternalWeights[],
): Promise<NodeModel> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(modelBytes, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      ...(externalData?.length ? { externalData: [...externalData] } : {}),
    });
  } catch (e) {
    throw new Error(`${where} is not a model onnxruntime can load: ${(e as Error).message}`, { cause: e });
  }
  let io: ModelIO;
  try {
    io = planModelIO(session.inputMetadata, session.outputNames, config);
  } catch (e) {
    await session.release();
    throw new Error(`${where}: ${(e as Error).message}`, { cause: e });
  }
  let forwardPasses = 0;
  const forward: LogitsForward = async (ids) => {
    const output = await session.run(buildFeeds(io, ids, makeTensor), [io.logits]);
    const logits = output[io.logits];
    forwardPasses++;
    // logits: (1, T, V)
    if (logits.type !== 'float32' && logits.type !== 'float16')
      throw new Error(`${where}: logits are ${logits.type}, expected float32 or float16`);
    const [batch, T] = logits.dims;
    if (logits.dims.length !== 3 || batch !== 1 || T !== ids.length) {
      throw new Error(`${where}: logits have shape [${logits.dims.join(', ')}], expected [1, ${ids.length}, vocab]`);
    }
    // float16 logits go to the head as they are (src/lib/scoring/half.ts)
    return logits.type === 'float32'
      ? (logits.data as Float32Array)
      : { type: 'float16', bits: halfBits(logits.data as Uint16Array) };
  };
  return {
    forward,
    scorer: logitsScorer(forward, 'node'),
    get forwardPasses() {
      return forwardPasses;
    },
    release: () => session.release(),
  };
}
