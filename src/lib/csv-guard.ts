/**
 * The one guard every CSV export puts on free-text labels (a player's name, a run's name from a file or
 * column name): a spreadsheet runs a cell that begins with = + - @ (or a tab or carriage return before
 * one) as a formula, so such a label gets a leading apostrophe, which spreadsheets show as text.
 * Data cells whose exact value matters (a token's text, a guess) are written as they are.
 */

/**
 * The label as a spreadsheet will show it, never run it.
 * @example guardFormula('=HYPERLINK("http://x")') // '\'=HYPERLINK("http://x")'
 * @example guardFormula('run-1') // 'run-1'
 */
export function guardFormula(label: string): string {
  return /^[=+\-@\t\r]/.test(label) ? `'${label}` : label;
}
