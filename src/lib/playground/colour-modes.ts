/**
 * How the heatmap colours a token: four views of the same per-token record, each a d3 scale over a
 * quantity in bits (or a rank bucket), with the legend that explains it. Pure: no DOM, runs in Node.
 *
 *   surprisal      -log2 p of the actual token: how surprised the model was
 *   rank           GLTR's buckets: was the token the model's top 1, top 10, top 100 guess, or beyond
 *   entropy        entropy of the predicted distribution: how unsure the model was before it saw the token
 *   excess         surprisal minus entropy: more (red) or less (blue) surprised than it expected to be
 */
import {
  color as d3color,
  interpolateBlues,
  interpolateRdBu,
  interpolateYlOrRd,
  scaleOrdinal,
  scaleSequential,
  scaleDiverging,
} from 'd3';
import type { TokenRecord } from '../scoring/types';
import { formatCount } from '../format';

export const COLOUR_MODES = ['surprisal', 'rank', 'entropy', 'excess'] as const;
export type ColourMode = (typeof COLOUR_MODES)[number];

export const COLOUR_MODE_LABELS: Record<ColourMode, string> = {
  surprisal: 'Surprisal',
  rank: 'Rank (GLTR)',
  entropy: 'Entropy',
  excess: 'Surprisal − entropy',
};

/** One sentence per mode, shown under the legend. */
export const COLOUR_MODE_HELP: Record<ColourMode, string> = {
  surprisal: 'How surprised the model was by each token: −log₂ p bits. Light = expected, dark red = surprising.',
  rank: 'Where the actual token sat in the model’s ranked guesses, as GLTR shows it: its first choice, in its top 10, top 100, or beyond.',
  entropy:
    'How unsure the model was before it saw the token (entropy of its prediction). Dark = many plausible next tokens.',
  excess:
    'Surprisal minus entropy: red where the model was more surprised than it expected to be, blue where the token was easier than its average guess.',
};

/** @example parseColourMode('rank') // 'rank'; parseColourMode('nonsense') // 'surprisal' */
export function parseColourMode(value: string | null | undefined): ColourMode {
  return (COLOUR_MODES as readonly string[]).includes(value ?? '') ? (value as ColourMode) : 'surprisal';
}

/** Bits the sequential scales span: 12 bits = 1 in 4096. */
export const MAX_BITS = 12;
/** Half-width of the diverging scale for surprisal minus entropy, bits. */
export const MAX_EXCESS_BITS = 6;

export const RANK_BUCKETS = ['top1', 'top10', 'top100', 'beyond'] as const;
export type RankBucket = (typeof RANK_BUCKETS)[number];
export const RANK_BUCKET_LABELS: Record<RankBucket, string> = {
  top1: 'top 1',
  top10: 'top 10',
  top100: 'top 100',
  beyond: 'beyond 100',
};

/** @example rankBucket(1) // 'top1'; rankBucket(11) // 'top100' */
export function rankBucket(rank: number): RankBucket {
  return rank <= 1 ? 'top1' : rank <= 10 ? 'top10' : rank <= 100 ? 'top100' : 'beyond';
}

export const bitsOf = (nats: number): number => nats / Math.LN2;

// sequential scales start a little above white so that a certain token is still visibly a token
const surprisalScale = scaleSequential((t: number) => interpolateYlOrRd(0.04 + 0.96 * t))
  .domain([0, MAX_BITS])
  .clamp(true);
const entropyScale = scaleSequential((t: number) => interpolateBlues(0.04 + 0.96 * t))
  .domain([0, MAX_BITS])
  .clamp(true);
// red = more surprised than expected (RdBu runs red -> blue, so the domain is reversed)
const excessScale = scaleDiverging((t: number) => interpolateRdBu(0.08 + 0.84 * t))
  .domain([MAX_EXCESS_BITS, 0, -MAX_EXCESS_BITS])
  .clamp(true);
// GLTR's own colours: green, yellow, red, purple
const rankScale = scaleOrdinal<RankBucket, string>()
  .domain(RANK_BUCKETS)
  .range(['#5cb85c', '#f3d34a', '#e8615a', '#a768c9']);

/**
 * The quantity a mode colours by, in bits (rank: the rank itself); null for an unscored token.
 * @example modeValue(token, 'excess') // (-logprob - entropy) / ln 2
 */
export function modeValue(t: Pick<TokenRecord, 'logprob' | 'entropy' | 'rank'>, mode: ColourMode): number | null {
  if (t.logprob === null) return null;
  switch (mode) {
    case 'surprisal':
      return bitsOf(-t.logprob);
    case 'rank':
      return t.rank;
    case 'entropy':
      return t.entropy === null ? null : bitsOf(t.entropy);
    case 'excess':
      return t.entropy === null ? null : bitsOf(-t.logprob - t.entropy);
  }
}

/** The background of a token in a mode; null: no colour (unscored). */
export function modeColour(t: Pick<TokenRecord, 'logprob' | 'entropy' | 'rank'>, mode: ColourMode): string | null {
  const v = modeValue(t, mode);
  if (v === null) return null;
  switch (mode) {
    case 'surprisal':
      return surprisalScale(v);
    case 'entropy':
      return entropyScale(v);
    case 'excess':
      return excessScale(v);
    case 'rank':
      return rankScale(rankBucket(v));
  }
}

/** WCAG relative luminance of a CSS colour. */
function luminance(css: string): number {
  const c = d3color(css)?.rgb();
  if (!c) return 1;
  const lin = (v: number) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
}

// pure black: with white, one of the two passes WCAG AA (4.5:1) on every background
const DARK_TEXT = '#000000';
const LIGHT_TEXT = '#ffffff';

/**
 * The text colour with the higher WCAG contrast on a background, so every token stays readable.
 * @example textColourOn('#800026') // '#ffffff'
 */
export function textColourOn(background: string): string {
  let ink = inkCache.get(background);
  if (ink === undefined) {
    const l = luminance(background);
    const onDark = (luminance(LIGHT_TEXT) + 0.05) / (l + 0.05);
    const onLight = (l + 0.05) / (luminance(DARK_TEXT) + 0.05);
    ink = onDark > onLight ? LIGHT_TEXT : DARK_TEXT;
    // the scales give a few thousand distinct colours at most; parsing each once keeps a long text fast
    if (inkCache.size >= 8192) inkCache.clear();
    inkCache.set(background, ink);
  }
  return ink;
}
const inkCache = new Map<string, string>();

/** "1 in N" for a surprisal or entropy in bits: 2^bits, rounded for reading. @example oneIn(3) // '1 in 8' */
export function oneIn(bits: number): string {
  return `1 in ${formatCount(2 ** bits)}`;
}

/** A legend: a gradient with ticks (continuous modes) or swatches (rank). */
export type Legend =
  | {
      kind: 'gradient';
      title: string;
      /** 0..1 offsets with colours */
      stops: { offset: number; colour: string }[];
      /** position 0..1, the value in bits, and its "1 in N" (or "×N") reading */
      ticks: { offset: number; label: string; sub: string }[];
    }
  | { kind: 'swatches'; title: string; items: { key: string; label: string; sub: string; colour: string }[] };

export function legendFor(mode: ColourMode): Legend {
  const stops = (f: (t: number) => string) =>
    Array.from({ length: 13 }, (_, i) => ({ offset: i / 12, colour: f(i / 12) }));
  switch (mode) {
    case 'surprisal':
    case 'entropy': {
      const scale = mode === 'surprisal' ? surprisalScale : entropyScale;
      return {
        kind: 'gradient',
        title: mode === 'surprisal' ? 'surprisal, bits (−log₂ p)' : 'entropy of the prediction, bits',
        stops: stops((t) => scale(t * MAX_BITS)),
        ticks: [0, 3, 6, 9, 12].map((b) => ({
          offset: b / MAX_BITS,
          label: b === MAX_BITS ? `${b}+` : String(b),
          sub: mode === 'surprisal' ? oneIn(b) : `${formatCount(2 ** b)} way${b ? 's' : ''}`,
        })),
      };
    }
    case 'excess':
      return {
        kind: 'gradient',
        title: 'surprisal − entropy, bits',
        stops: stops((t) => excessScale(-MAX_EXCESS_BITS + t * 2 * MAX_EXCESS_BITS)),
        ticks: [-6, -3, 0, 3, 6].map((b) => ({
          offset: (b + MAX_EXCESS_BITS) / (2 * MAX_EXCESS_BITS),
          label: b > 0 ? `+${b}` : String(b),
          sub: b === 0 ? 'as expected' : `${formatCount(2 ** Math.abs(b))}× ${b > 0 ? 'more' : 'less'}`,
        })),
      };
    case 'rank':
      return {
        kind: 'swatches',
        title: 'rank of the actual token among the model’s guesses',
        items: RANK_BUCKETS.map((b) => ({
          key: b,
          label: RANK_BUCKET_LABELS[b],
          sub: { top1: 'its first guess', top10: 'ranks 2–10', top100: 'ranks 11–100', beyond: 'rank > 100' }[b],
          colour: rankScale(b),
        })),
      };
  }
}
