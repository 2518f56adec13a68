/** How the game writes a character for the player: pure helpers for the Shannon view's panels. */

/** A character as shown on a chip: space, line break and tab as visible signs. */
export const visible = (s: string): string => (s === ' ' ? '␣' : s === '\n' ? '↵' : s === '\t' ? '⇥' : s);

/** A character as a sentence says it. */
export const spoken = (s: string): string =>
  s === ' ' ? 'space' : s === '\n' ? 'new line' : s === '\t' ? 'tab' : `“${s}”`;

/** The shades of a guessed position: how many guesses it took, in four bands. */
export const SHADES = [
  { id: 'g1', label: 'right at the first guess' },
  { id: 'g2', label: '2–3 guesses' },
  { id: 'g3', label: '4–7 guesses' },
  { id: 'g4', label: '8 or more guesses' },
] as const;

export type Shade = (typeof SHADES)[number]['id'];

/** The shade of a position guessed in `g` guesses (SHADES says what each means). */
export const heat = (g: number): Shade => (g <= 1 ? 'g1' : g <= 3 ? 'g2' : g <= 7 ? 'g3' : 'g4');

/** A `data-value` hook: the full-precision number, empty where there is none. */
export const dataValue = (x: number | null | undefined): string => (x === null || x === undefined ? '' : String(x));

/** What the page says after a guess. */
export interface Feedback {
  kind: 'right' | 'wrong' | 'repeat' | 'skipped';
  text: string;
}
