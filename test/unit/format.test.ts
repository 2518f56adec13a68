import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatCount,
  formatPrecision,
  formatSignalTick,
  formatStep,
  formatTick,
  formatExp,
  formatFixed,
  formatInteger,
  formatNumber,
  formatPercent,
  formatPlural,
  formatSignificant,
  formatted,
  fullNumber,
} from '../../src/lib/format';

/** The widest form a card has room for (a grouped integer just under a billion: '999,999,999'). */
const MAX_CHARS = 11;

describe('formatNumber', () => {
  it('keeps digits, groups thousands and switches to an exponent at the ends', () => {
    expect(formatNumber(1234.567)).toBe('1,235');
    expect(formatNumber(0.012345)).toBe('0.01235');
    expect(formatNumber(2.4035, 3)).toBe('2.40');
    expect(formatNumber(588.66123, 4)).toBe('588.7');
    expect(formatNumber(25_320.4)).toBe('25,320');
    expect(formatNumber(999_999_999)).toBe('999,999,999');
    expect(formatNumber(1e9)).toBe('1.00e9');
    expect(formatNumber(1.2345e300)).toBe('1.23e300');
    expect(formatNumber(Number.MAX_VALUE)).toBe('1.80e308');
    expect(formatNumber(4.5e-7)).toBe('4.50e-7');
    expect(formatNumber(0.000999)).toBe('9.99e-4');
    expect(formatNumber(-3.5)).toBe('−3.500');
    expect(formatNumber(-2.5e12)).toBe('−2.50e12');
    expect(formatNumber(0)).toBe('0');
  });

  it('rounds a mantissa of 9.999 up into the exponent', () => {
    expect(formatNumber(9.9996e20)).toBe('1.00e21');
    expect(formatNumber(9.9996e-5)).toBe('1.00e-4');
  });

  it('writes undefined values as a dash and infinities as ∞', () => {
    expect(formatNumber(null)).toBe('–');
    expect(formatNumber(undefined)).toBe('–');
    expect(formatNumber(NaN)).toBe('–');
    expect(formatNumber(Infinity)).toBe('∞');
    expect(formatNumber(-Infinity)).toBe('−∞');
  });

  it('never needs more room than a card has, over the whole range of doubles', () => {
    for (let e = -320; e <= 308; e += 0.37) {
      for (const sign of [1, -1]) {
        const x = sign * 10 ** e;
        const s = formatNumber(x);
        expect(s.length, `${x} -> ${s}`).toBeLessThanOrEqual(MAX_CHARS + (sign < 0 ? 1 : 0));
        expect(s).not.toMatch(/Infinity|NaN|e\+/);
      }
    }
  });
});

describe('fullNumber and formatted', () => {
  it('keep every digit of the double for the tooltip', () => {
    const x = 588.6612349712345;
    expect(Number(fullNumber(x))).toBe(x);
    expect(formatted(x)).toEqual({ text: '588.7', title: String(x) });
    expect(fullNumber(1.2345e300)).toBe('1.2345e+300');
    expect(fullNumber(null)).toBe('undefined for this text');
  });
});

describe('formatExp', () => {
  it('is formatted(Math.exp(nats)) within a double', () => {
    for (const nats of [-700, -20, -1, 0, 1, 6.378, 40, 690.7, 709.7]) {
      const value = Math.exp(nats);
      expect(formatExp(nats)).toEqual({ text: formatNumber(value), title: fullNumber(value) });
    }
    expect(formatExp(Math.log(588.7)).text).toBe('588.7');
  });

  it('works from the log beyond a double, where Math.exp gives Infinity or 0', () => {
    expect(Math.exp(712.4107)).toBe(Infinity);
    // e^712.4107 = 10^309.3960 = 2.49e309
    expect(formatExp(712.4107)).toEqual({ text: '2.49e309', title: 'e^712.4107 = 10^309.3960' });
    // a word perplexity of random characters: 12.3 nats per token, 60 tokens per word
    const huge = formatExp(12.3 * 60);
    expect(huge.text).toBe(`${(10 ** ((738 / Math.LN10) % 1)).toFixed(2)}e${Math.floor(738 / Math.LN10)}`);
    expect(huge.title).toBe(`e^738.0000 = 10^${(738 / Math.LN10).toFixed(4)}`);
    // a probability too small for a double: e^-800 = 10^-347.43
    expect(formatExp(-800)).toEqual({ text: '3.67e-348', title: 'e^−800.0000 = 10^−347.4356' });
  });

  it('joins up at the edge of the double range: no jump in the mantissa', () => {
    const edge = Math.log(Number.MAX_VALUE); // 709.78...
    expect(formatExp(edge - 1e-9).text).toBe('1.80e308');
    expect(formatExp(edge + 1e-6).text).toBe('1.80e308');
    expect(formatExp(edge + Math.LN10).text).toBe('1.80e309');
  });

  it('never shows Infinity or NaN for a finite loss, and fits a card', () => {
    for (let nats = -2000; nats <= 5000; nats += 13.7) {
      const { text, title } = formatExp(nats);
      expect(text).not.toMatch(/Infinity|NaN|∞/);
      expect(title).not.toMatch(/Infinity|NaN/);
      expect(text.length).toBeLessThanOrEqual(MAX_CHARS);
    }
    expect(formatExp(null).text).toBe('–');
  });
});

describe('formatCount', () => {
  it('reads as words up to billions, then as an exponent', () => {
    expect(formatCount(1)).toBe('1');
    expect(formatCount(4.5)).toBe('4.5');
    expect(formatCount(4096)).toBe('4,096');
    expect(formatCount(1.2e6)).toBe('1.2 million');
    expect(formatCount(3.4e9)).toBe('3.4 billion');
    expect(formatCount(1.2e15)).toBe('1.2e15');
    expect(formatCount(Infinity)).toBe('∞');
  });
});

describe('the formatters the views share', () => {
  it('fixed decimals and percentages, with a dash where there is no value', () => {
    expect(formatFixed(1.2345)).toBe('1.23');
    expect(formatFixed(7.06, 1)).toBe('7.1');
    expect(formatFixed(2, 0)).toBe('2');
    for (const x of [null, undefined, NaN, Infinity]) expect(formatFixed(x)).toBe('–');
    expect(formatPercent(0.456)).toBe('46%');
    expect(formatPercent(1)).toBe('100%');
    expect(formatPercent(0.1234, 1)).toBe('12.3%');
    expect(formatPercent(null)).toBe('–');
  });

  it('integers grouped, plurals, and significant digits without trailing zeros', () => {
    expect(formatInteger(1234567)).toBe('1,234,567');
    expect(formatInteger(12)).toBe('12');
    expect(formatPlural(1, 'row')).toBe('1 row');
    expect(formatPlural(1200, 'time')).toBe('1,200 times');
    expect(formatPlural(2, 'was', 'were')).toBe('2 were');
    expect(formatSignificant(2.5000001, 4)).toBe('2.5');
    expect(formatSignificant(0.123456789, 8)).toBe('0.12345679');
    expect(formatSignificant(1234567, 3)).toBe('1230000');
  });
});

describe('formatters moved here from the views (bytes, steps, axis ticks)', () => {
  it('writes bytes in SI units', () => {
    expect([999, 1000, 8_348_238, 123_456_789, 2.5e12, NaN].map(formatBytes)).toEqual([
      '999 B',
      '1.0 kB',
      '8.3 MB',
      '123 MB',
      '2.5 TB',
      '? B',
    ]);
  });
  it('writes whole steps with separators and epochs to 6 digits', () => {
    expect([12000, 1.5, 2 / 3].map(formatStep)).toEqual(['12,000', '1.5', '0.666667']);
  });
  it('shortens large ticks with k and M, and small signal values with an exponent', () => {
    expect([0.12345, 9999, 25000, 1_250_000, -30000].map(formatTick)).toEqual([
      '0.1235',
      '9999',
      '25k',
      '1.25M',
      '-30k',
    ]);
    expect([3e-4, 0.05, 0, 250000].map(formatSignalTick)).toEqual(['3.0e−4', '0.05', '0', '2.5e+5']);
    expect([31.4159, Infinity, NaN].map((v) => formatPrecision(v))).toEqual(['31.42', 'Infinity', 'NaN']);
  });
});
