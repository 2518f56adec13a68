/** The execution backends the app offers, and what the user may ask for. */
export type Backend = 'webgpu' | 'wasm';

/** 'auto' = WebGPU when an adapter exists and the model runs there, else WASM. */
export type BackendPreference = Backend | 'auto';

export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'webgpu', 'wasm'];

/**
 * Parse a user-supplied backend preference; throws on anything unknown, with the value in the message.
 * @example parseBackendPreference('wasm') // 'wasm'
 */
export function parseBackendPreference(value: string | null | undefined): BackendPreference {
  if (value === null || value === undefined || value === '') return 'auto';
  if ((BACKEND_PREFERENCES as readonly string[]).includes(value)) return value as BackendPreference;
  throw new Error(`unknown backend "${value}" (expected one of ${BACKEND_PREFERENCES.join(', ')})`);
}
