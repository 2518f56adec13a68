/**
 * Passages for the guessing game, bundled (not fetched): openings of held-out texts from the corpus's
 * test split, the texts named 'test:...' in test/fixtures/golden/tiny-byte.json, which the bundled
 * models never trained on. Each is the golden text's first characters, so the model's ranks on it are
 * the golden file's (a causal model's prediction at a byte depends only on the bytes before it), which
 * test/unit/shannon-model.test.ts checks. The hidden parts are plain ASCII: every position is on the
 * keyboard.
 */
import type { Passage } from './game';

export interface BundledPassage extends Passage {
  /** The golden text this is the opening of. */
  source: string;
}

export const PASSAGES: readonly BundledPassage[] = [
  {
    id: 'moby-dick-line',
    title: 'Moby-Dick, chapter 60: The Line',
    source: 'test:moby-dick/chapter_60:long',
    text:
      'The Line.\n\nWith reference to the whaling scene shortly to be described, as well as for the better understanding of all similar scenes elsewhere presented, ' +
      'I have here to speak of the magical, sometimes horrible whale-line.',
    shown: 155,
  },
  {
    id: 'sotu-1995',
    title: 'State of the Union, 1995 (Clinton)',
    source: 'test:sotu/1995_william_j_clinton_d:opening',
    text:
      'Mr. President, Mr. Speaker, Members of the 104th Congress, my fellow Americans: ' +
      'Again we are here in the sanctuary of democracy, and once again our democracy has spoken.',
    shown: 80,
  },
  {
    id: 'moby-dick-counterpane',
    title: 'Moby-Dick, chapter 4: The Counterpane',
    source: 'test:moby-dick/chapter_4:opening',
    text:
      "The Counterpane.\n\nUpon waking next morning about daylight, I found Queequeg's arm thrown over me in the most loving and affectionate manner. " +
      'You had almost thought I had been his wife. The counterpane was of patchwork, full of odd little parti-coloured squares and triangles;',
    shown: 141,
  },
  {
    id: 'sotu-1853',
    title: 'State of the Union, 1853 (Pierce)',
    source: 'test:sotu/1853_franklin_pierce_d:opening',
    text:
      'Fellow-Citizens of the Senate and of the House of Representatives: The interest with which the people of the Republic anticipate ' +
      'the assembling of Congress and the fulfillment on that occasion of the duty imposed upon a new President',
    shown: 129,
  },
];

/** A bundled passage by id, or undefined. */
export function bundledPassage(id: string): BundledPassage | undefined {
  return PASSAGES.find((p) => p.id === id);
}
