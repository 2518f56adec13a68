/**
 * External weights, found where the ONNX file says they are: each initializer kept outside the file names
 * its file (TensorProto `external_data`, key `location`, relative to the .onnx file's folder), so the
 * loader fetches exactly those files whatever they are called (`model.onnx_data`, `model.onnx.data`,
 * `model.onnx_data_1`, ...), from any ModelSource (a URL prefix, a hub repo, dropped files, a folder on
 * disk), and hands them to onnxruntime by the name the file uses.
 *
 *   const scan = scanOnnx(bytes);
 *   const externalData = await readExternalData(source, 'onnx/model.onnx', scan);
 *   await ort.InferenceSession.create(bytes, { externalData });
 */
import { checkExternalLocation, externalDataLocations, type OnnxScan } from './onnx-proto';
import { MissingModelFileError, type ModelSource } from './model-source';

/** One external-weights file: `path` as the ONNX file names it (ort's externalData key), its bytes. */
export interface ExternalWeights {
  path: string;
  data: Uint8Array;
}

/** A file the ONNX file needs: its `location` and where it is in the model folder. */
export interface ExternalFileRef {
  location: string;
  /** Path relative to the model folder, e.g. "onnx/model.onnx.data" beside "onnx/model.onnx". */
  path: string;
}

/**
 * Where each external-weights file of `onnxPath` is in the model folder.
 * @example externalDataFiles('onnx/model.onnx', scan) // [{ location: 'model.onnx.data', path: 'onnx/model.onnx.data' }]
 */
export function externalDataFiles(onnxPath: string, scan: Pick<OnnxScan, 'initializers'>): ExternalFileRef[] {
  const slash = onnxPath.lastIndexOf('/');
  const folder = slash < 0 ? '' : onnxPath.slice(0, slash + 1);
  return externalDataLocations(scan).map((location) => ({ location, path: folder + checkExternalLocation(location) }));
}

/** The one-line message for an external-weights file the folder does not have. */
export class MissingExternalDataError extends Error {
  constructor(
    readonly onnx: string,
    readonly file: string,
    where: string,
  ) {
    super(`${onnx} keeps its weights in ${file}, which ${where} does not have (not found)`);
    this.name = 'MissingExternalDataError';
  }
}

/**
 * Read every external-weights file `onnxPath` names, in order; a missing one rejects with
 * MissingExternalDataError naming it.
 * @example const externalData = await readExternalData(nodeModelSource(dir), 'onnx/model.onnx', scanOnnx(bytes));
 */
export async function readExternalData(
  source: ModelSource,
  onnxPath: string,
  scan: Pick<OnnxScan, 'initializers'>,
  where = source.location,
): Promise<ExternalWeights[]> {
  const out: ExternalWeights[] = [];
  for (const { location, path } of externalDataFiles(onnxPath, scan)) {
    try {
      out.push({ path: location, data: await source.readBytes(path) });
    } catch (e) {
      if (e instanceof MissingModelFileError) throw new MissingExternalDataError(onnxPath, path, where);
      throw e;
    }
  }
  return out;
}
