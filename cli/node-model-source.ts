/**
 * A model folder on disk, for the command line (the browser has its own sources).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MissingModelFileError, type ModelSource } from '../src/lib/models/model-source';

/**
 * Read files of the model folder at `folder`.
 * @example const source = nodeModelSource('models/tiny-bpe1k'); await source.readJSON('config.json');
 */
export function nodeModelSource(folder: string): ModelSource {
  const read = async (path: string): Promise<Buffer> => {
    try {
      return await readFile(join(folder, path));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new MissingModelFileError(folder, path);
      throw e;
    }
  };
  return {
    location: folder,
    async readJSON(path) {
      const text = (await read(path)).toString('utf8');
      try {
        return JSON.parse(text);
      } catch (e) {
        throw new Error(`${join(folder, path)} is not valid JSON: ${(e as Error).message}`, { cause: e });
      }
    },
    async readBytes(path) {
      const buffer = await read(path);
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    },
  };
}
