/**
 * Where the real artefacts live: `../shared/real/` beside the repository (CI has it), read in place
 * and never copied into the project. A missing folder is an error, not a skip: these tests must run.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Absolute path of `../shared/real`, or of a file or folder inside it. */
export function realArtefact(...parts: string[]): string {
  const root = resolve(repoRoot, '..', 'shared', 'real');
  if (!existsSync(root))
    throw new Error(`real artefacts not found at ${root}: check out ../shared beside the repository`);
  return join(root, ...parts);
}
