export { parseModelConfig, type ModelConfig } from './model-config';
export { loadModelFolder, readOptionalJSON, MissingModelFileError, type ModelSource, type LoadedModel } from './model-source';
export {
  planModelIO,
  buildFeeds,
  pickLogitsOutput,
  type ModelIO,
  type ModelInputDescription,
  type TensorFactory,
  type FeedTensorType,
  type FeedData,
} from './onnx-io';
