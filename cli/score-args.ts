/**
 * Command-line arguments of `npm run -s score`.
 */
import { parseArgs } from 'node:util';

export const SCORE_USAGE = 'usage: npm run -s score -- --model models/<id> [--stride N] [--top K] [--json] FILE  (FILE - reads stdin)';

export interface ScoreArgs {
  /** The model folder. */
  model: string;
  /** undefined: the engine's default, half the context. */
  stride?: number;
  top: number;
  json: boolean;
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
        stride: { type: 'string' },
        top: { type: 'string' },
        json: { type: 'boolean', default: false },
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
  return { model: values.model, stride: integerOption('stride', values.stride), top, json: values.json ?? false, file: positionals[0] };
}
