/**
 * Where the user's text is kept between visits, so that it is never lost silently:
 *
 * - each tab keeps its own text (sessionStorage, which is per tab and survives a reload), and the last
 *   text saved by any tab seeds a new tab (localStorage);
 * - a text the Web Storage quota refuses goes to IndexedDB instead (gigabytes where the quota is ~5 MB),
 *   and the smaller stores then hold only a marker, so that an older text cannot come back on reload;
 * - when no store takes it, the status says so plainly (the page shows it);
 * - writes wait until typing pauses (a 5 MB text written on every keystroke cost 110 ms a key), and
 *   happen at once when the page is hidden or closed.
 */

import { readKey, writeKey, type KeyValueStorage } from './storage';

export type { KeyValueStorage };

/** An asynchronous store for texts too large for Web Storage (IndexedDB in the page). */
export interface LargeTextStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, text: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Where the text is kept now. */
export type TextStatus = { kept: true; where: 'storage' | 'indexeddb' } | { kept: false; message: string };

export interface TextStoreOptions {
  local: KeyValueStorage | null;
  session: KeyValueStorage | null;
  large: LargeTextStore | null;
  /** Quiet time after the last edit before writing, ms. @defaultValue 400 */
  delayMs?: number;
  /** Each change of where the text is kept. */
  onStatus?: (status: TextStatus) => void;
}

export const TEXT_KEY = 'pp.text';
/** Stands in Web Storage for a text kept in IndexedDB. */
const IN_LARGE_STORE = '\u0000pp:indexeddb';
const TAB_KEY = 'pp.tab';
/** IndexedDB key of the text any tab saved last (seeds a new tab). */
const LATEST = 'latest';

const NOT_KEPT =
  'Your text could not be saved in this browser (its storage is full or turned off): it stays on this page only. Copy it somewhere before you close the tab.';

/** True when the store took it (a refusal, QuotaExceededError above all, is this store's to handle). */
const trySet = (storage: KeyValueStorage | null, key: string, value: string): boolean =>
  writeKey(storage, key, value).ok;

/**
 * The user's text, saved per tab with a fallback to IndexedDB and a plain status.
 * @example
 * const store = new TextStore({ local: localStorage, session: sessionStorage, large: indexedDbTextStore() });
 * const text = store.initial() ?? DEFAULT_TEXT; store.save(text + '!');
 */
export class TextStore {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private pending: string | null = null;
  private readonly tab: string;
  status: TextStatus = { kept: true, where: 'storage' };
  /** The last write to IndexedDB (tests and flush wait for it). */
  settled: Promise<void> = Promise.resolve();

  constructor(readonly options: TextStoreOptions) {
    let tab = readKey(options.session, TAB_KEY);
    if (!tab) {
      tab = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
      trySet(options.session, TAB_KEY, tab);
    }
    this.tab = tab;
  }

  /**
   * The text to start from, if one was kept and is at hand synchronously: this tab's own (a reload),
   * else the last any tab saved. `undefined` with `needsLarge()` true: it is in IndexedDB (see `load`).
   */
  initial(): string | undefined {
    const own = readKey(this.options.session, TEXT_KEY);
    const value = own ?? readKey(this.options.local, TEXT_KEY);
    return value === null || value === IN_LARGE_STORE ? undefined : value;
  }

  /** Whether the kept text is in IndexedDB (read it with `load`). */
  needsLarge(): boolean {
    const own = readKey(this.options.session, TEXT_KEY);
    return (own ?? readKey(this.options.local, TEXT_KEY)) === IN_LARGE_STORE;
  }

  /** The kept text from IndexedDB: this tab's, else the latest. */
  async load(): Promise<string | undefined> {
    const large = this.options.large;
    if (!large) return undefined;
    const ownMarker = readKey(this.options.session, TEXT_KEY) === IN_LARGE_STORE;
    try {
      return (ownMarker ? await large.get(this.tabKey()) : undefined) ?? (await large.get(LATEST));
    } catch {
      return undefined;
    }
  }

  /** Keep `text` once edits pause. */
  save(text: string): void {
    this.pending = text;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.options.delayMs ?? 400);
  }

  /** Write the pending text now (the page is being hidden or closed). */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const text = this.pending;
    this.pending = null;
    if (text === null) return;
    const { local, session, large } = this.options;
    const inSession = trySet(session, TEXT_KEY, text);
    const inLocal = trySet(local, TEXT_KEY, text);
    if (inSession && inLocal) {
      this.setStatus({ kept: true, where: 'storage' });
      return;
    }
    // the quota refused it: make sure the older text cannot come back, then try IndexedDB
    for (const storage of [session, local]) {
      if (!trySet(storage, TEXT_KEY, IN_LARGE_STORE)) writeKey(storage, TEXT_KEY, null);
    }
    if (!large) {
      this.setStatus({ kept: false, message: NOT_KEPT });
      return;
    }
    this.settled = (async () => {
      try {
        await large.set(this.tabKey(), text);
        await large.set(LATEST, text);
        this.setStatus({ kept: true, where: 'indexeddb' });
      } catch {
        this.setStatus({ kept: false, message: NOT_KEPT });
      }
    })();
  }

  private tabKey(): string {
    return `tab:${this.tab}`;
  }

  private setStatus(status: TextStatus): void {
    const same = JSON.stringify(status) === JSON.stringify(this.status);
    this.status = status;
    if (!same) this.options.onStatus?.(status);
  }
}

/**
 * IndexedDB as a LargeTextStore (database "pp-text", one object store), or null where there is none.
 * @example const large = indexedDbTextStore(); await large?.set('latest', text);
 */
export function indexedDbTextStore(): LargeTextStore | null {
  const idb = globalThis.indexedDB;
  if (!idb) return null;
  let db: Promise<IDBDatabase> | null = null;
  const open = () =>
    (db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const request = idb.open('pp-text', 1);
      request.onupgradeneeded = () => request.result.createObjectStore('texts');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error('IndexedDB would not open'));
    }));
  const run = async <T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
    const tx = (await open()).transaction('texts', mode);
    const request = act(tx.objectStore('texts'));
    return new Promise<T>((resolve, reject) => {
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = tx.onabort = () => reject(tx.error ?? new Error('IndexedDB refused the text'));
    });
  };
  return {
    get: (key) => run('readonly', (s) => s.get(key) as IDBRequest<string | undefined>),
    set: async (key, text) => void (await run('readwrite', (s) => s.put(text, key))),
    delete: async (key) => void (await run('readwrite', (s) => s.delete(key))),
  };
}
