/**
 * Command-line arguments of `npm run -s score`.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_BYTES } from './score-stream';

export const SCORE_USAGE =
  'usage: npm run -s score -- --model models/<id> [--window N] [--stride N] [--top K] [--json] [--max-bytes N] [--parse-special] FILE  (FILE - reads stdin)';

export interface ScoreArgs {
  /** The model folder. */
  model: string;
  /** Tokens per window below the model's context (a cap for speed); undefined: the whole context. */
  window?: number;
  /** undefined: the engine's default, half the window. */
  stride?: number;
  top: number;
  json: boolean;
  /** The longest input read, bytes (`--max-bytes`, with an optional k/M/G suffix). */
  maxBytes: number;
  /** Read special-token strings (`<|endoftext|>`) in the text as those tokens; by default they are plain text. */
  parseSpecial: boolean;
  /** A path, or '-' for standard input. */
  file: string;
}

/** A mistake in the arguments: the usage is printed with it. */
export class UsageError extends Error {
  override name = 'UsageError';
}

function integerOption(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw.trim())) throw new UsageError(`--${name} must be an integer, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

const BYTE_SUFFIX: Record<string, number> = { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6, g: 1e9, G: 1e9 };

function byteCount(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_MAX_BYTES;
  const match = /^(\d+(?:\.\d+)?)\s*([kKmMgG]?)B?$/.exec(raw.trim());
  const bytes = match ? Math.floor(Number(match[1]) * BYTE_SUFFIX[match[2]]) : NaN;
  if (!(bytes >= 1))
    throw new UsageError(`--max-bytes must be a byte count such as 50000000 or 50M, got ${JSON.stringify(raw)}`);
  return bytes;
}

/**
 * Parse the arguments after `score --`.
 * @example parseScoreArgs(['--model', 'models/tiny-bpe1k', '--json', 'text.txt']).json // true
 */
export function parseScoreArgs(argv: readonly string[]): ScoreArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        window: { type: 'string' },
        stride: { type: 'string' },
        top: { type: 'string' },
        json: { type: 'boolean', default: false },
        'max-bytes': { type: 'string' },
        'parse-special': { type: 'boolean', default: false },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (!values.model) throw new UsageError('--model is required');
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'no FILE given' : `one FILE expected, got ${positionals.length}`);
  }
  const top = integerOption('top', values.top) ?? 5;
  if (top < 0) throw new UsageError(`--top must be 0 or more, got ${top}`);
  return {
    model: values.model,
    window: integerOption('window', values.window),
    stride: integerOption('stride', values.stride),
    top,
    json: values.json ?? false,
    maxBytes: byteCount(values['max-bytes']),
    parseSpecial: values['parse-special'] ?? false,
    file: positionals[0],
  };
}
