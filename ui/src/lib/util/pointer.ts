// JSON Pointer (RFC 6901) helpers for the forms.
import type { JsonValue } from '$lib/api';

export function escapeToken(t: string): string {
  return t.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function join(base: string, token: string | number): string {
  return `${base}/${escapeToken(String(token))}`;
}

export function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function get(doc: JsonValue | undefined, pointer: string): JsonValue | undefined {
  let cur: JsonValue | undefined = doc;
  for (const t of tokens(pointer)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (cur && typeof cur === 'object') cur = (cur as Record<string, JsonValue>)[t];
    else return undefined;
  }
  return cur;
}

/** Returns a copy of `doc` with the value at `pointer` set (or removed when `value` is undefined). */
export function set(doc: JsonValue, pointer: string, value: JsonValue | undefined): JsonValue {
  const ts = tokens(pointer);
  if (ts.length === 0) return value === undefined ? {} : value;
  const root: JsonValue = structuredClone(doc ?? {});
  let cur: JsonValue = root;
  for (let i = 0; i < ts.length - 1; i++) {
    const t = ts[i];
    const container = cur as Record<string, JsonValue> & JsonValue[];
    const nextIsIndex = /^\d+$/.test(ts[i + 1]);
    let child: JsonValue | undefined = Array.isArray(cur) ? cur[Number(t)] : (container as Record<string, JsonValue>)[t];
    if (child === undefined || child === null || typeof child !== 'object') {
      child = nextIsIndex ? [] : {};
      if (Array.isArray(cur)) cur[Number(t)] = child;
      else (container as Record<string, JsonValue>)[t] = child;
    }
    cur = child;
  }
  const last = ts[ts.length - 1];
  if (Array.isArray(cur)) {
    if (value === undefined) cur.splice(Number(last), 1);
    else cur[Number(last)] = value;
  } else if (cur && typeof cur === 'object') {
    const o = cur as Record<string, JsonValue>;
    if (value === undefined) delete o[last];
    else o[last] = value;
  }
  return root;
}
