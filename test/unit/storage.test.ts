/**
 * The settings module (src/state/storage.ts): reads validate and fall back to the default, a value that
 * would not read back is refused and never saved, and a write the browser refuses (quota, storage off) is
 * reported and returned rather than swallowed.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  clearSetting,
  enumSetting,
  flagSetting,
  HUB_ENDPOINT_SETTING,
  isQuotaError,
  jsonSetting,
  onStorageProblem,
  readKey,
  readSetting,
  storedSetting,
  textSetting,
  writeKey,
  writeSetting,
  type KeyValueStorage,
  type StorageProblem,
} from '../../src/state/storage';

/** A Web Storage with a quota in UTF-16 units, throwing QuotaExceededError as browsers do. */
class FakeStorage implements KeyValueStorage {
  readonly items = new Map<string, string>();
  constructor(private readonly quota = Infinity) {}
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    let used = key.length + value.length;
    for (const [k, v] of this.items) if (k !== key) used += k.length + v.length;
    if (used > this.quota)
      throw new DOMException(`Setting the value of '${key}' exceeded the quota.`, 'QuotaExceededError');
    this.items.set(key, value);
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
}

/** Storage turned off: every call throws SecurityError, as Chromium does with cookies blocked. */
const blocked: KeyValueStorage = {
  getItem: () => {
    throw new DOMException('access denied', 'SecurityError');
  },
  setItem: () => {
    throw new DOMException('access denied', 'SecurityError');
  },
  removeItem: () => {
    throw new DOMException('access denied', 'SecurityError');
  },
};

const theme = enumSetting('pp.theme', ['light', 'dark'] as const, 'light');
const projector = flagSetting('pp.projector');
const names = jsonSetting<string[]>('pp.names', [], (v) =>
  Array.isArray(v) ? v.filter((n): n is string => typeof n === 'string') : undefined,
);

const problems: StorageProblem[] = [];
const stop = onStorageProblem((p) => problems.push(p));
afterEach(() => {
  problems.length = 0;
});

describe('reading', () => {
  it('gives the stored value when it is valid, else the default', () => {
    const s = new FakeStorage();
    expect(readSetting(theme, s)).toBe('light');
    s.setItem('pp.theme', 'dark');
    expect(readSetting(theme, s)).toBe('dark');
    s.setItem('pp.theme', 'purple'); // an old or hand-edited value
    expect(readSetting(theme, s)).toBe('light');
    expect(storedSetting(theme, s)).toBeUndefined();
  });

  it('validates JSON values and cleans them up', () => {
    const s = new FakeStorage();
    s.setItem('pp.names', '["Ada", 3, "Bo"]');
    expect(readSetting(names, s)).toEqual(['Ada', 'Bo']);
    s.setItem('pp.names', '{not json');
    expect(readSetting(names, s)).toEqual([]);
    s.setItem('pp.names', '{"a":1}');
    expect(readSetting(names, s)).toEqual([]);
  });

  it('never throws: storage turned off or absent reads as nothing stored', () => {
    expect(readSetting(theme, blocked)).toBe('light');
    expect(readSetting(projector, null)).toBe(false);
    expect(readKey(blocked, 'pp.theme')).toBeNull();
  });
});

describe('writing', () => {
  it('keeps a valid value, and it reads back as itself', () => {
    const s = new FakeStorage();
    expect(writeSetting(projector, true, s)).toEqual({ ok: true });
    expect(s.getItem('pp.projector')).toBe('1');
    expect(readSetting(projector, s)).toBe(true);
    expect(writeSetting(names, ['Ada', 'Bo'], s).ok).toBe(true);
    expect(readSetting(names, s)).toEqual(['Ada', 'Bo']);
    expect(problems).toEqual([]);
  });

  it('refuses a value that would not read back, keeps the stored one, and reports it', () => {
    const s = new FakeStorage();
    writeSetting(theme, 'dark', s);
    const result = writeSetting(theme, 'purple' as 'dark', s);
    expect(result).toMatchObject({ ok: false, reason: 'refused' });
    expect(s.getItem('pp.theme')).toBe('dark');
    const model = textSetting('pp.model');
    expect(writeSetting(model, '', s)).toMatchObject({ ok: false, reason: 'refused' });
    expect(s.getItem('pp.model')).toBeNull();
    expect(problems.map((p) => [p.key, p.reason])).toEqual([
      ['pp.theme', 'refused'],
      ['pp.model', 'refused'],
    ]);
  });

  it('reports a full storage as a quota problem, not silently', () => {
    const s = new FakeStorage(40);
    const result = writeSetting(names, ['a name far too long for a forty-unit quota'], s);
    expect(result).toMatchObject({ ok: false, reason: 'quota' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ key: 'pp.names', reason: 'quota' });
    expect(problems[0].message).toMatch(/full/);
    expect(s.getItem('pp.names')).toBeNull();
  });

  it('reports storage turned off or missing as unavailable', () => {
    expect(writeSetting(theme, 'dark', blocked)).toMatchObject({ ok: false, reason: 'unavailable' });
    expect(writeSetting(theme, 'dark', null)).toMatchObject({ ok: false, reason: 'unavailable' });
    expect(problems.map((p) => p.reason)).toEqual(['unavailable', 'unavailable']);
  });

  it('goes to the console when nobody listens', () => {
    stop();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      writeSetting(theme, 'dark', new FakeStorage(5));
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0][0])).toMatch(/pp\.theme.*full/);
    } finally {
      warn.mockRestore();
      onStorageProblem((p) => problems.push(p));
    }
  });

  it('clears a setting back to its default', () => {
    const s = new FakeStorage();
    writeSetting(theme, 'dark', s);
    expect(clearSetting(theme, s).ok).toBe(true);
    expect(readSetting(theme, s)).toBe('light');
  });
});

describe('the key functions the text store builds on', () => {
  it('tell a quota refusal from storage turned off, and never throw', () => {
    expect(writeKey(new FakeStorage(3), 'k', 'too long')).toMatchObject({ ok: false, reason: 'quota' });
    expect(writeKey(blocked, 'k', 'v')).toMatchObject({ ok: false, reason: 'unavailable' });
    expect(writeKey(null, 'k', 'v')).toMatchObject({ ok: false, reason: 'unavailable' });
    const s = new FakeStorage();
    expect(writeKey(s, 'k', 'v').ok).toBe(true);
    expect(writeKey(s, 'k', null).ok).toBe(true);
    expect(s.getItem('k')).toBeNull();
  });

  it('recognise quota errors by name and by the legacy codes', () => {
    expect(isQuotaError(new DOMException('x', 'QuotaExceededError'))).toBe(true);
    expect(isQuotaError({ name: 'NS_ERROR_DOM_QUOTA_REACHED' })).toBe(true);
    expect(isQuotaError({ code: 22 })).toBe(true);
    expect(isQuotaError(new DOMException('x', 'SecurityError'))).toBe(false);
    expect(isQuotaError('QuotaExceededError')).toBe(false);
  });
});

describe('the hub endpoint setting', () => {
  it('keeps an http(s) endpoint without its trailing slash, and never saves or reads back another scheme', () => {
    const storage = new FakeStorage();
    expect(readSetting(HUB_ENDPOINT_SETTING, storage)).toBe('https://huggingface.co');
    expect(writeSetting(HUB_ENDPOINT_SETTING, 'http://localhost:9/hub/', storage)).toEqual({ ok: true });
    expect(storage.items.get('pp.hub-endpoint')).toBe('http://localhost:9/hub/');
    expect(readSetting(HUB_ENDPOINT_SETTING, storage)).toBe('http://localhost:9/hub');
    const problems: StorageProblem[] = [];
    const stop = onStorageProblem((p) => problems.push(p));
    expect(writeSetting(HUB_ENDPOINT_SETTING, 'javascript:alert(1)', storage).ok).toBe(false);
    stop();
    expect(problems.map((p) => p.reason)).toEqual(['refused']);
    expect(storage.items.get('pp.hub-endpoint')).toBe('http://localhost:9/hub/');
    storage.items.set('pp.hub-endpoint', 'javascript:alert(1)'); // saved by an older version
    expect(readSetting(HUB_ENDPOINT_SETTING, storage)).toBe('https://huggingface.co');
  });
});
