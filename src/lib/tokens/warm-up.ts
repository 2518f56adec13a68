/**
 * A text for warming a tokenizer's code up: JavaScript engines compile the hot paths of encoding
 * (pre-tokenizer regexes, BPE merges, the span alignment) only after they have run a while, so the first
 * long text a page scores pays for that compilation (about 0.3 s in Chromium for 20,000 characters).
 * Encoding this once when a model loads moves the cost to load time. Words are made up from a seeded
 * generator, so that a BPE cache of whole words does not skip the merge loop; they come with capitals,
 * digits, punctuation, accents, CJK, emoji, tabs and newlines so that every branch of the pre-tokenizer runs.
 */
const PIECES = [', ', '. ', '; ', ' — ', '\n', '\n\n', '\t', ' (', ') ', '" ', "'s ", ' 1851 ', ' 3.14 ', ' naïve ', ' 東京 ', ' 👋🏽 ', ' e\u0301 '];
const LETTERS = 'etaoinshrdlucmfwypvbgkjqxz';

/**
 * About `chars` characters of made-up text (deterministic).
 * @example warmUpText(200).length >= 200 // true
 */
export function warmUpText(chars = 4000): string {
  let state = 12345;
  const next = (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  const out: string[] = [];
  let length = 0;
  while (length < chars) {
    let word = '';
    const n = 1 + next(9);
    // skewed towards common letters, like text
    for (let i = 0; i < n; i++) word += LETTERS[Math.min(next(26), next(26))];
    if (next(8) === 0) word = word[0].toUpperCase() + word.slice(1);
    const gap = next(5) === 0 ? PIECES[next(PIECES.length)] : ' ';
    out.push(word, gap);
    length += word.length + gap.length;
  }
  return out.join('');
}
