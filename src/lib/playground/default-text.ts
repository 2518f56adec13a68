/**
 * The text the playground opens with. It comes from a chapter in the TEST split of the bundled models'
 * corpus (training/prepare.py splits by document; test: Moby-Dick chapters 4, 60, 67, 116 and 128), so
 * the perplexity a first-time visitor sees is an honest held-out number, not one on text the model
 * trained on. test/unit/default-text.test.ts checks this against the corpus.
 */

/** Moby-Dick, the end of chapter 60 ("The Line"), public domain. */
export const DEFAULT_TEXT =
  'All men live enveloped in whale-lines. All are born with halters round their necks; but it is only when ' +
  'caught in the swift, sudden turn of death, that mortals realize the silent, subtle, ever-present perils of ' +
  'life. And if you be a philosopher, though seated in the whale-boat, you would not at heart feel one whit more ' +
  'of terror, than though seated before your evening fire with a poker, and not a harpoon, by your side.';

/** Where DEFAULT_TEXT comes from, for the page to say. */
export const DEFAULT_TEXT_SOURCE = 'Moby-Dick, chapter 60 (held out from training)';

/** The corpus document DEFAULT_TEXT is taken from (a name as training/prepare.py gives it). */
export const DEFAULT_TEXT_DOCUMENT = 'moby-dick/chapter_60';
