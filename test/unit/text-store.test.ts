/**
 * The user's text is never lost silently (issue 17, item 3): a full Web Storage sends it to IndexedDB
 * (and the older text cannot come back), no store at all says so, each tab keeps its own, and writes
 * wait until typing pauses.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  TEXT_KEY,
  TextStore,
  type KeyValueStorage,
  type LargeTextStore,
  type TextStatus,
} from '../../src/state/text-store';

/** A Web Storage with a quota in UTF-16 units, throwing QuotaExceededError as browsers do. */
class FakeStorage implements KeyValueStorage {
  readonly items = new Map<string, string>();
  writes = 0;
  constructor(private readonly quota = Infinity) {}
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.writes++;
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

class FakeLarge implements LargeTextStore {
  readonly items = new Map<string, string>();
  fail = false;
  async get(key: string) {
    return this.items.get(key);
  }
  async set(key: string, text: string) {
    if (this.fail) throw new DOMException('no space', 'QuotaExceededError');
    this.items.set(key, text);
  }
  async delete(key: string) {
    this.items.delete(key);
  }
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** One tab of the page: its own session storage, the shared local storage and IndexedDB. */
function tab(local: FakeStorage, large: LargeTextStore | null, session = new FakeStorage(1000)) {
  const statuses: TextStatus[] = [];
  const store = new TextStore({ local, session, large, delayMs: 400, onStatus: (s) => statuses.push(s) });
  return { store, session, statuses };
}

describe('TextStore', () => {
  it('keeps a text the quota refuses in IndexedDB, and the older text does not come back', async () => {
    const local = new FakeStorage(1000);
    const large = new FakeLarge();
    const a = tab(local, large);
    a.store.save('an older, short text');
    vi.advanceTimersByTime(400);
    expect(local.getItem(TEXT_KEY)).toBe('an older, short text');

    const big = 'x'.repeat(5000); // over the 1,000-unit quota
    a.store.save(big);
    vi.advanceTimersByTime(400);
    await a.store.settled;
    expect(a.statuses.at(-1)).toEqual({ kept: true, where: 'indexeddb' });
    // a reload of this tab: nothing synchronous, the text from IndexedDB, never the older one
    const reloaded = new TextStore({ local, session: a.session, large });
    expect(reloaded.initial()).toBeUndefined();
    expect(reloaded.needsLarge()).toBe(true);
    expect(await reloaded.load()).toBe(big);
  });

  it('says plainly when no store takes the text', async () => {
    const local = new FakeStorage(10);
    const large = new FakeLarge();
    large.fail = true;
    const a = tab(local, large, new FakeStorage(10));
    a.store.save('a text longer than any quota here');
    vi.advanceTimersByTime(400);
    await a.store.settled;
    const last = a.statuses.at(-1)!;
    expect(last.kept).toBe(false);
    expect(!last.kept && last.message).toMatch(/could not be saved in this browser.*Copy it somewhere/);
    // without IndexedDB at all, the same
    const b = tab(new FakeStorage(10), null, new FakeStorage(10));
    b.store.save('another long text');
    b.store.flush();
    expect(b.statuses.at(-1)).toMatchObject({ kept: false });
    // and once a text fits again, it is kept again
    b.store.save('ok');
    b.store.flush();
    expect(b.statuses.at(-1)).toEqual({ kept: true, where: 'storage' });
  });

  it('keeps each tab its own text; a new tab starts from the last one saved', () => {
    const local = new FakeStorage();
    const a = tab(local, null, new FakeStorage());
    const b = tab(local, null, new FakeStorage());
    a.store.save('text of tab A');
    a.store.flush();
    b.store.save('text of tab B');
    b.store.flush();
    // tab A reloads: its own text, not B's
    expect(new TextStore({ local, session: a.session, large: null }).initial()).toBe('text of tab A');
    expect(new TextStore({ local, session: b.session, large: null }).initial()).toBe('text of tab B');
    expect(new TextStore({ local, session: new FakeStorage(), large: null }).initial()).toBe('text of tab B');
  });

  it('writes once typing pauses: 1,000 keystrokes on a 5 MB text cost one write', () => {
    const local = new FakeStorage();
    const a = tab(local, null, new FakeStorage());
    let text = 'y'.repeat(5_000_000);
    for (let i = 0; i < 1000; i++) {
      text += 'z';
      a.store.save(text);
      vi.advanceTimersByTime(50); // typing faster than the pause
    }
    expect(local.writes).toBe(0);
    vi.advanceTimersByTime(400);
    expect(local.writes).toBe(1);
    expect(local.getItem(TEXT_KEY)).toBe(text);
    // flush (the page is hidden) writes at once, and only what is pending
    a.store.save('last');
    a.store.flush();
    a.store.flush();
    expect(local.writes).toBe(2);
  });
});
