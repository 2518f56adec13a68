/**
 * Numbers for reading: the one place that decides how the summary cards, the compare panels and the
 * token inspector write a number, and what its tooltip says. Pure: no DOM, runs in Node.
 *
 * Every display form is short enough for a card (at most about 11 characters); the exact value goes in
 * the tooltip (`title`), and the `data-value` hooks keep the full-precision double as before.
 * Perplexities are exponentials of a mean loss: a text of random characters has a word perplexity near
 * 10^300, and past e^709.78 `Math.exp` overflows to Infinity. `formatExp` therefore works from the log
 * (nats) and writes values beyond a double in the same mantissa-exponent form, with the log form in the
 * tooltip, so no card ever shows Infinity or NaN for a finite loss.
 */

/** A number as shown, and the exact value for its tooltip. */
export interface FormattedNumber {
  /** The compact form for the page, e.g. `588.7`, `25,320`, `1.23e300`. */
  text: string;
  /** The full value for a `title`, e.g. `588.6612349712` or `e^712.4107 = 10^309.3982`. */
  title: string;
}

/** From this magnitude on, numbers are written with an exponent (a grouped integer is 13 characters). */
export const EXPONENT_ABOVE = 1e9;
/** Below this magnitude (and above 0), numbers are written with an exponent. */
export const EXPONENT_BELOW = 1e-3;

/** The mantissa digits of an exponent form: `1.23e300`, never more (it has to fit a card). */
const MAX_EXPONENT_DIGITS = 3;

/** ASCII hyphen to the typographic minus sign, as the rest of the page writes negatives. */
const minus = (s: string) => s.replace(/^-/, '−');

/**
 * `m` x 10^`e` written as `1.23e300` (`1.23e-5` for negative exponents), `digits` significant digits.
 * @example exponentForm(1.2345, 300, 3) // '1.23e300'
 */
function exponentForm(mantissa: number, exponent: number, digits: number): string {
  let m = Number(Math.abs(mantissa).toFixed(digits - 1));
  let e = exponent;
  if (m >= 10) {
    // 9.996 rounds up to 10.0: carry into the exponent
    m /= 10;
    e += 1;
  }
  return `${mantissa < 0 ? '−' : ''}${m.toFixed(digits - 1)}e${e}`;
}

/**
 * A number for reading: `digits` significant digits (trailing zeros kept, so that columns line up),
 * whole numbers with thousands separators from 10^digits on, and an exponent form (`1.23e300`,
 * `4.50e-7`) from a billion on and below 0.001. null, undefined and NaN read '–' (undefined for this
 * text), infinities '∞'.
 * @example formatNumber(1234.567) // '1,235'; formatNumber(2.4035, 3) // '2.40'; formatNumber(1.2e300) // '1.20e300'
 */
export function formatNumber(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= EXPONENT_ABOVE || abs < EXPONENT_BELOW) {
    const e = Math.floor(Math.log10(abs));
    return exponentForm(x / 10 ** e, e, Math.min(digits, MAX_EXPONENT_DIGITS));
  }
  if (abs >= 10 ** digits) return minus(Math.round(x).toLocaleString('en-US'));
  const s = x.toPrecision(digits);
  return minus(abs >= 1000 ? Number(s).toLocaleString('en-US') : s);
}

/**
 * The exact value for a tooltip: every digit of the double (`String(x)` round-trips it).
 * @example fullNumber(588.66123) // '588.66123'; fullNumber(null) // 'undefined for this text'
 */
export function fullNumber(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return 'undefined for this text';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  return minus(String(x));
}

/**
 * A number and its tooltip.
 * @example formatted(1.2e300).text // '1.20e300'
 */
export function formatted(x: number | null | undefined, digits = 4): FormattedNumber {
  return { text: formatNumber(x, digits), title: fullNumber(x) };
}

/** The smallest positive normal double: below it `Math.exp` loses digits, then returns 0. */
const MIN_NORMAL = 2.2250738585072014e-308;

/**
 * e^`nats` for reading, computed from the log so that it never overflows: a perplexity from its mean
 * loss, a probability from its log-probability. Within a double it is `formatted(Math.exp(nats))`;
 * beyond (above e^709.78 or below e^-708.4) the text keeps the same mantissa-exponent form, worked out
 * in base 10 from the log, and the tooltip gives the exact log form.
 * @example formatExp(Math.log(588.7)).text // '588.7'
 * @example formatExp(712.4107) // { text: '2.49e309', title: 'e^712.4107 = 10^309.3960' }
 */
export function formatExp(nats: number | null | undefined, digits = 4): FormattedNumber {
  if (nats === null || nats === undefined || Number.isNaN(nats)) return formatted(null);
  if (!Number.isFinite(nats)) return formatted(nats > 0 ? Infinity : 0, digits);
  const value = Math.exp(nats);
  if (Number.isFinite(value) && value >= MIN_NORMAL) return formatted(value, digits);
  const log10 = nats / Math.LN10;
  const e = Math.floor(log10);
  return {
    text: exponentForm(10 ** (log10 - e), e, Math.min(digits, MAX_EXPONENT_DIGITS)),
    title: `e^${minus(nats.toFixed(4))} = 10^${minus(log10.toFixed(4))}`,
  };
}

/**
 * A count for reading: 8, 64, 4,096, 1.2 million, 3.4 billion, then `1.2e15`.
 * @example formatCount(4096) // '4,096'; formatCount(1.2e6) // '1.2 million'
 */
export function formatCount(n: number): string {
  if (Number.isNaN(n)) return '–';
  if (!Number.isFinite(n)) return '∞';
  if (n < 10) return n < 1.05 ? '1' : n.toFixed(1).replace(/\.0$/, '');
  if (n < 1e6) return Math.round(n).toLocaleString('en-US');
  if (n < 1e9) return `${(n / 1e6).toPrecision(2)} million`;
  if (n < 1e12) return `${(n / 1e9).toPrecision(2)} billion`;
  return formatNumber(n, 2);
}

/**
 * A number with a fixed count of decimals, as tables and bounds show it; '–' where it is undefined
 * (null, undefined, NaN, ±∞).
 * @example formatFixed(1.2345) // '1.23'; formatFixed(7.06, 1) // '7.1'; formatFixed(null) // '–'
 */
export function formatFixed(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);
}

/**
 * A share (0 to 1) as a percentage with `digits` decimals; '–' where it is undefined.
 * @example formatPercent(0.456) // '46%'; formatPercent(0.1234, 1) // '12.3%'; formatPercent(null) // '–'
 */
export function formatPercent(x: number | null | undefined, digits = 0): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(digits)}%`;
}

const integerFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/**
 * A whole number with thousands separators (counts of characters, rows, steps).
 * @example formatInteger(1234567) // '1,234,567'
 */
export function formatInteger(n: number): string {
  return integerFormat.format(n);
}

/**
 * A count and its noun, singular for exactly one.
 * @example formatPlural(1, 'row') // '1 row'; formatPlural(1200, 'time') // '1,200 times'
 */
export function formatPlural(n: number, one: string, many = one + 's'): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/**
 * A number to at most `digits` significant digits, trailing zeros dropped (for data files and labels,
 * where 2.5 must not read 2.500000).
 * @example formatSignificant(2.5000001, 4) // '2.5'; formatSignificant(1234567, 3) // '1230000'
 */
export function formatSignificant(x: number, digits: number): string {
  return String(+x.toPrecision(digits));
}

/**
 * A byte count in SI units, three significant figures at most.
 * @example formatBytes(8_348_238) // '8.3 MB'
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '? B';
  if (bytes < 1e3) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = bytes / 1e3;
  let u = 0;
  while (v >= 1e3 && u < units.length - 1) {
    v /= 1e3;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

/**
 * A training step: whole steps with thousands separators, fractional ones (epochs) to 6 digits.
 * @example formatStep(12000) // '12,000'; formatStep(1.5) // '1.5'
 */
export function formatStep(x: number): string {
  return Number.isInteger(x) ? x.toLocaleString('en-US') : formatSignificant(x, 6);
}

/**
 * An axis tick: 4 significant digits, with k and M from 10,000 and 1,000,000.
 * @example formatTick(25000) // '25k'; formatTick(0.12345) // '0.1235'
 */
export function formatTick(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${formatSignificant(v / 1e6, 3)}M`;
  if (a >= 1e4) return `${formatSignificant(v / 1e3, 3)}k`;
  return formatSignificant(v, 4);
}

/**
 * A value on a log-scaled signal axis (learning rate, gradient norm): 3 digits, or an exponent with a
 * true minus sign below 0.001 and from 100,000.
 * @example formatSignalTick(3e-4) // '3.0e−4'
 */
export function formatSignalTick(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(1).replace('e-', 'e−');
  return formatSignificant(v, 3);
}

/**
 * A value to `digits` significant digits as toPrecision writes them, and NaN or ±Infinity as words.
 * @example formatPrecision(31.4159, 4) // '31.42'
 */
export function formatPrecision(v: number, digits = 4): string {
  return Number.isFinite(v) ? v.toPrecision(digits) : String(v);
}
