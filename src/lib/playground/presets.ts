/**
 * Classroom presets: one click each, each showing one thing about perplexity. The texts live here (no
 * fetch), and the generated ones (shuffled, random) come from a seeded generator, so every class sees
 * the same numbers. Pure: no DOM.
 */

/** A small seeded PRNG (mulberry32): the same seed gives the same sequence everywhere. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The words of a text in a seeded random order (Fisher-Yates), joined by single spaces.
 * @example shuffleWords('a b c', 1) // the same permutation of a, b, c on every call
 */
export function shuffleWords(text: string, seed: number): string {
  const words = text.split(/\s+/).filter(Boolean);
  const random = mulberry32(seed);
  for (let i = words.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [words[i], words[j]] = [words[j], words[i]];
  }
  return words.join(' ');
}

/** `length` characters drawn uniformly from `alphabet` with a seeded generator. */
export function randomCharacters(length: number, seed: number, alphabet: string): string {
  const random = mulberry32(seed);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(random() * alphabet.length)];
  return out;
}

/**
 * Moby-Dick, chapter 4 (public domain). This chapter is in the TEST split of the bundled models'
 * corpus (training/, and test/fixtures/golden "test:moby-dick/chapter_4:opening"): they never trained
 * on it, so its perplexity is a fair held-out number.
 */
const PROSE =
  "The Counterpane.\n\nUpon waking next morning about daylight, I found Queequeg's arm thrown over me in the " +
  'most loving and affectionate manner. You had almost thought I had been his wife. The counterpane was of ' +
  'patchwork, full of odd little parti-coloured squares and triangles; and this arm of his tattooed all over ' +
  'with an interminable Cretan labyrinth of a figure, no two parts of which were of one precise shade—owing I ' +
  'suppose to his keeping his arm at sea unmethodically in sun and shade, his shirt sleeves irregularly rolled ' +
  'up at various times—this same arm of his, I say, looked for all the world like a strip of that same ' +
  'patchwork quilt.';

/**
 * Short enough (about 100 characters) that the second copy sits inside the first's context window even
 * for the byte-level model (256 tokens, stride 128), so a model that can copy could. The bundled ones
 * barely do: 5 to 17% lower loss on the second copy (test/unit/explanations-measured.test.ts).
 */
const PARAGRAPH =
  'The old sailor mended his nets by the harbour wall, and every evening he counted the boats coming home.';

const NUMBERS =
  'Table 3. Catch by port, 1851 to 1855.\n' +
  '1851: 4,312 barrels, 17 ships, 38.5% sperm oil\n' +
  '1852: 3,978 barrels, 15 ships, 41.2% sperm oil\n' +
  '1853: 5,106 barrels, 21 ships, 36.9% sperm oil\n' +
  '1854: 4,877 barrels, 19 ships, 40.3% sperm oil\n' +
  '1855: 3,641 barrels, 14 ships, 44.0% sperm oil\n' +
  'Phone 555-0172, ref. 7GQ-2291, call at 09:45 on 12/03/1856.';

const CODE =
  'def perplexity(logprobs):\n' +
  '    """Mean negative log-likelihood, exponentiated."""\n' +
  '    loss = -sum(logprobs) / len(logprobs)\n' +
  '    return math.exp(loss)\n' +
  '\n' +
  'for name, text in samples.items():\n' +
  '    print(f"{name:>10}: {perplexity(score(text)):.2f}")\n';

/** Written for this app (French), in the plain register of the English prose. */
const FRENCH =
  'Le lendemain matin, le vieux marin descendit au port avant le lever du soleil. La mer était calme et ' +
  'grise, et les bateaux dormaient encore contre le quai. Il répara ses filets en silence, puis il regarda ' +
  'longtemps l’horizon, comme s’il attendait une lettre qui ne viendrait jamais.';

export interface Preset {
  /** `preset-<name>` is the button's data-testid. */
  name: string;
  label: string;
  /** What to look for, one sentence. */
  lesson: string;
  text: string;
}

export const PRESETS: readonly Preset[] = [
  {
    name: 'prose',
    label: 'Held-out prose',
    lesson: 'Moby-Dick chapter 4, from the test split: text like the training data the model never saw.',
    text: PROSE,
  },
  {
    name: 'shuffled',
    label: 'Same words, shuffled',
    lesson: 'The very same words in a random order: every word is familiar, the order is not, and perplexity jumps.',
    text: shuffleWords(PROSE, 4),
  },
  {
    name: 'repeated',
    label: 'Repeated paragraph',
    lesson:
      'A paragraph twice. A model that can look back copies it, and the second copy becomes far less surprising; ' +
      'the tiny bundled models barely copy (5 to 17% lower loss the second time): compare the halves in the running-loss chart.',
    text: `${PARAGRAPH}\n\n${PARAGRAPH}`,
  },
  {
    name: 'random',
    label: 'Random characters',
    lesson:
      "Seeded random letters: nothing to predict, so almost no token is the model's first guess, and it costs more than 8 bits per byte: worse than no model at all.",
    text: randomCharacters(320, 2024, 'abcdefghijklmnopqrstuvwxyz abcdefghijklmnopqrstuvwxyz0123456789.,;'),
  },
  {
    name: 'numbers',
    label: 'Numbers',
    lesson:
      'Digits carry information the words around them cannot predict: this table costs about twice the bits per byte of the prose.',
    text: NUMBERS,
  },
  {
    name: 'code',
    label: 'Code',
    lesson: 'Python, for a model that has read only a novel and speeches: far more bits per byte than prose.',
    text: CODE,
  },
  {
    name: 'french',
    label: 'Another language',
    lesson: 'French, which an English-trained model has barely seen: familiar letters, unfamiliar words.',
    text: FRENCH,
  },
];
