/**
 * The readable summary `npm run -s score` prints without --json.
 */
import type { ScoreResult, TokenRecord } from '../src/lib/scoring/types';

const LN2 = Math.LN2;

/** Fixed digits, or 3 significant digits with an exponent for huge values (a word perplexity can be 1e23). */
const fixed = (x: number | null, digits: number) =>
  x === null ? 'n/a' : Math.abs(x) >= 1e6 ? x.toExponential(2) : x.toFixed(digits);
const count = (x: number) => x.toLocaleString('en-US');
/**
 * A token's text with whitespace and controls made visible, safe to print on a terminal: JSON escapes
 * C0 controls; DEL, C1 controls (U+0080..U+009F, which some terminals act on, e.g. U+009B starts an
 * escape sequence), bidirectional overrides and lone surrogates are escaped as \uXXXX too.
 */
export const shown = (text: string) =>
  JSON.stringify(text).replace(
    /[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

/**
 * Format a result for a terminal: loss, perplexity read as a uniform choice, bits per byte, and the
 * tokens the model found most surprising.
 * @example console.log(formatSummary(result, 8));
 */
export function formatSummary(result: ScoreResult, surprising = 10): string {
  const t = result.totals;
  const lines = [
    `model        ${result.model} (context ${result.n_ctx}, stride ${result.stride}, backend ${result.backend})`,
    `text         ${count(t.bytes)} bytes, ${count(t.chars)} characters, ${count(t.words)} words scored`,
    `tokens       ${count(t.tokens)} (${count(t.tokens_scored)} scored)`,
    `loss         ${fixed(t.nats_per_token, 4)} nats/token = ${fixed(t.bits_per_token, 4)} bits/token (total ${fixed(t.nats_total, 2)} nats)`,
    `perplexity   ${fixed(t.ppl, 3)}: as if choosing uniformly among ${fixed(t.ppl, 1)} tokens at each step`,
    `bits/byte    ${fixed(t.bits_per_byte, 4)}`,
    `bits/char    ${fixed(t.bits_per_char, 4)}`,
    `word ppl     ${fixed(t.word_ppl, 2)}`,
  ];
  const worst = result.tokens
    .filter((token): token is TokenRecord & { logprob: number } => token.scored && token.logprob !== null)
    .sort((a, b) => a.logprob - b.logprob || a.index - b.index)
    .slice(0, surprising);
  if (worst.length > 0) {
    lines.push('', 'most surprising tokens');
    for (const token of worst) {
      const expected = token.top[0]
        ? `, expected ${shown(token.top[0].text)} (p ${fixed(Math.exp(token.top[0].logprob), 3)})`
        : '';
      lines.push(
        `  #${String(token.index).padEnd(6)} ${shown(token.text).padEnd(16)} ${fixed(-token.logprob / LN2, 2).padStart(6)} bits, rank ${token.rank}${expected}`,
      );
    }
  }
  return lines.join('\n');
}

/**
 * The `size` most surprising scored tokens seen so far (lowest logprob, earliest first on a tie): what
 * the summary lists, kept without holding every token.
 * @example const worst = new WorstTokens(10); for (const t of tokens) worst.add(t); worst.tokens
 */
export class WorstTokens {
  readonly tokens: TokenRecord[] = [];

  constructor(private readonly size: number) {}

  add(token: TokenRecord): void {
    if (!token.scored || token.logprob === null || this.size === 0) return;
    const lp = token.logprob;
    const list = this.tokens;
    if (list.length === this.size && lp >= (list[list.length - 1].logprob as number)) return;
    let i = list.length;
    while (i > 0 && (list[i - 1].logprob as number) > lp) i--;
    list.splice(i, 0, token);
    if (list.length > this.size) list.pop();
  }
}
