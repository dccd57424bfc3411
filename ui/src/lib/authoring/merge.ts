// JSON Merge Patch as the engine applies it (a variant is the baseline with its patch). Its own
// file so locales.ts and in-place.ts can both use it without importing each other.
import type { JsonValue } from '$lib/api';
import { isObj, type Obj } from './rules';

/** JSON Merge Patch (RFC 7386) of `patch` over `base`. */
export function merge(base: JsonValue | undefined, patch: JsonValue | undefined): JsonValue | undefined {
  if (!isObj(patch)) return patch === undefined ? base : patch;
  const out: Obj = isObj(base) ? { ...base } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v) as JsonValue;
  }
  return out;
}
