/**
 * The one place that reads and writes the page's Web Storage. Each setting is declared once with its key,
 * a default, and a `parse` that accepts only valid values, so that a stored value is checked on the way in
 * and on the way out:
 *
 * - reading never throws: storage turned off, a missing key or a value that does not parse gives the
 *   default;
 * - a value that would not read back as itself (`parse(serialise(value))` fails) is refused and never
 *   saved, and the value stored before stays;
 * - a write the browser refuses (QuotaExceededError, storage turned off) is reported, to the listeners of
 *   `onStorageProblem` (else the console), and returned to the caller, never swallowed.
 *
 * The user's text has its own store on top of the key functions here (text-store.ts: per tab, with an
 * IndexedDB fallback).
 */

import { DEFAULT_HUB_ENDPOINT, normalizeEndpoint } from '../lib/models/hub';
import { BACKEND_PREFERENCES, type BackendPreference } from '../lib/runtime/backends';

/** The part of Storage this uses (localStorage, sessionStorage, or a test's fake). */
export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** Why a write did not happen. */
export type StorageFailure = 'refused' | 'quota' | 'unavailable';

/** The outcome of a write: kept, or why not, in a sentence. */
export type WriteResult = { ok: true } | { ok: false; reason: StorageFailure; message: string };

/** A write that did not happen, as listeners of `onStorageProblem` receive it. */
export interface StorageProblem {
  key: string;
  reason: StorageFailure;
  message: string;
}

/**
 * A setting: its key, its default, and how it is stored.
 * @example const theme = enumSetting('pp.theme', ['light', 'dark'] as const, 'light');
 */
export interface Setting<T> {
  readonly key: string;
  /** What reading gives when nothing valid is stored. */
  readonly defaultValue: T;
  /** The stored text as a value, or undefined where it is not a valid one. */
  parse(raw: string): T | undefined;
  /** The value as stored text. @defaultValue String(value) */
  serialise?(value: T): string;
}

/**
 * The page's localStorage or sessionStorage, or null where there is none or reading it throws (storage
 * turned off, some private modes).
 */
export function webStorage(kind: 'localStorage' | 'sessionStorage'): KeyValueStorage | null {
  try {
    return globalThis[kind] ?? null;
  } catch {
    return null;
  }
}

/** One key's stored text, or null where there is none or the storage cannot be read. */
export function readKey(storage: KeyValueStorage | null, key: string): string | null {
  try {
    return storage?.getItem(key) ?? null;
  } catch {
    return null; // storage turned off: reads as nothing stored
  }
}

/**
 * Store one key's text (null removes it). Does not report: the caller decides what a failure means
 * (`writeSetting` reports it; the text store falls back to IndexedDB).
 */
export function writeKey(storage: KeyValueStorage | null, key: string, value: string | null): WriteResult {
  if (!storage) return { ok: false, reason: 'unavailable', message: 'this browser keeps no settings (storage is off)' };
  try {
    if (value === null) storage.removeItem(key);
    else storage.setItem(key, value);
    return { ok: true };
  } catch (e) {
    return isQuotaError(e)
      ? { ok: false, reason: 'quota', message: 'the browser’s storage for this page is full' }
      : { ok: false, reason: 'unavailable', message: `the browser refused to store it (${errorText(e)})` };
  }
}

/** QuotaExceededError, by name or by the legacy codes (22 in most browsers, 1014 in old Firefox). */
export function isQuotaError(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const { name, code } = e as { name?: unknown; code?: unknown };
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || code === 22 || code === 1014;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message || e.name : String(e);
}

type ProblemListener = (problem: StorageProblem) => void;
const listeners = new Set<ProblemListener>();

/**
 * Be told of every setting the browser would not keep (or that was refused as invalid). Returns the
 * function that stops it. With no listener, problems go to the console.
 */
export function onStorageProblem(listener: ProblemListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function report(problem: StorageProblem): void {
  if (listeners.size === 0) console.warn(`Setting ${problem.key} not kept: ${problem.message}`);
  for (const listener of listeners) listener(problem);
}

/** Where settings live unless a test passes its own storage. */
const local = (): KeyValueStorage | null => webStorage('localStorage');

/**
 * A setting's stored value, or its default where nothing valid is stored.
 * @example readSetting(themeSetting) // 'dark'
 */
export function readSetting<T>(setting: Setting<T>, storage: KeyValueStorage | null = local()): T {
  return storedSetting(setting, storage) ?? setting.defaultValue;
}

/**
 * A setting's stored value, or undefined where nothing valid is stored (for a default worked out later).
 * @example storedSetting(themeSetting) ?? systemTheme()
 */
export function storedSetting<T>(setting: Setting<T>, storage: KeyValueStorage | null = local()): T | undefined {
  const raw = readKey(storage, setting.key);
  return raw === null ? undefined : setting.parse(raw);
}

/**
 * Keep a setting's value. A value that would not read back as valid is refused (and the stored one
 * stays); a refusal by the browser is reported. Both come back in the result.
 * @example writeSetting(themeSetting, 'dark') // { ok: true }
 */
export function writeSetting<T>(setting: Setting<T>, value: T, storage: KeyValueStorage | null = local()): WriteResult {
  const raw = setting.serialise ? setting.serialise(value) : String(value);
  const result: WriteResult =
    setting.parse(raw) === undefined
      ? { ok: false, reason: 'refused', message: `${JSON.stringify(raw).slice(0, 80)} is not a valid value` }
      : writeKey(storage, setting.key, raw);
  if (!result.ok) report({ key: setting.key, reason: result.reason, message: result.message });
  return result;
}

/** Forget a setting (it reads as its default again). */
export function clearSetting<T>(setting: Setting<T>, storage: KeyValueStorage | null = local()): WriteResult {
  const result = writeKey(storage, setting.key, null);
  if (!result.ok) report({ key: setting.key, reason: result.reason, message: result.message });
  return result;
}

/**
 * Any non-empty text (or any text at all, with `allowEmpty`).
 * @example const model = textSetting('pp.model', '');
 */
export function textSetting(key: string, defaultValue = '', allowEmpty = false): Setting<string> {
  return { key, defaultValue, parse: (raw) => (allowEmpty || raw !== '' ? raw : undefined) };
}

/**
 * One of a fixed set of strings.
 * @example const theme = enumSetting('pp.theme', ['light', 'dark'] as const, 'light');
 */
export function enumSetting<const V extends string>(key: string, values: readonly V[], defaultValue: V): Setting<V> {
  return { key, defaultValue, parse: (raw) => values.find((v) => v === raw) };
}

/**
 * On or off, stored as '1' or '0'.
 * @example const projector = flagSetting('pp.projector');
 */
export function flagSetting(key: string, defaultValue = false): Setting<boolean> {
  return {
    key,
    defaultValue,
    parse: (raw) => (raw === '1' ? true : raw === '0' ? false : undefined),
    serialise: (on) => (on ? '1' : '0'),
  };
}

/**
 * A value stored as JSON, accepted only where `accept` returns it (cleaned up as needed) rather than undefined.
 * @example const names = jsonSetting('pp.names', [] as string[], (v) => (Array.isArray(v) ? v.filter(isString) : undefined));
 */
export function jsonSetting<T>(key: string, defaultValue: T, accept: (value: unknown) => T | undefined): Setting<T> {
  return {
    key,
    defaultValue,
    parse: (raw) => {
      try {
        return accept(JSON.parse(raw));
      } catch {
        return undefined; // not JSON: nothing valid stored
      }
    },
    serialise: (value) => JSON.stringify(value),
  };
}

/** The backend the user chose (the playground and the guessing game both start with it). */
/** The model picked last: a bundled model's id, or one of the user's own (app-state's custom models). */
export const MODEL_SETTING = textSetting('pp.model');

export const BACKEND_SETTING = enumSetting<BackendPreference>('pp.backend', BACKEND_PREFERENCES, 'auto');

/**
 * The model hub "Your model" and the catalogue load from: an http(s) URL without a trailing slash. One
 * saved before refused endpoints stopped being saved reads as the public hub.
 */
export const HUB_ENDPOINT_SETTING: Setting<string> = {
  key: 'pp.hub-endpoint',
  defaultValue: DEFAULT_HUB_ENDPOINT,
  parse(raw) {
    try {
      return normalizeEndpoint(raw);
    } catch {
      return undefined;
    }
  },
};
