// The readable text form of a condition, computed from its JSON form. Mirrors the engine's
// printer (crates/engine/src/condition/text.rs) so that what the builder shows is what the
// engine parses back: `not` binds tighter than `and`, which binds tighter than `or`;
// `all`/`any` with two or more children print as chains, a nested chain is parenthesized,
// zero or one child print as `all()`, `any(x)`.
import type { JsonValue } from '$lib/api';

export const OPERATORS = [
  'exists', 'eq', 'neq', 'in', 'not_in', 'lt', 'lte', 'gt', 'gte', 'between',
  'contains', 'starts_with', 'ends_with', 'matches',
  'semver_eq', 'semver_lt', 'semver_lte', 'semver_gt', 'semver_gte',
  'before', 'after', 'within_last', 'day_of_week', 'hour_between',
  'any_of', 'all_of', 'none_of',
] as const;

const KEYWORDS = new Set<string>([
  'and', 'or', 'not', 'audience', 'rollout', 'all', 'any', 'true', 'false', 'null', 'exists',
  ...OPERATORS,
]);

const SYMBOLS: Record<string, string> = { eq: '=', neq: '!=', lt: '<', lte: '<=', gt: '>', gte: '>=' };

const NAME_CHAR = /^[A-Za-z0-9_-]+$/;

export function isBareName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(name) && !KEYWORDS.has(name);
}

export function isBarePath(path: string): boolean {
  return /^[A-Za-z_]/.test(path) && path.split('.').every((s) => s.length > 0 && NAME_CHAR.test(s)) && !KEYWORDS.has(path);
}

type Obj = { [key: string]: JsonValue };

function isObj(v: JsonValue | undefined): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kids(c: Obj): JsonValue[] | null {
  if (Array.isArray(c.all)) return c.all;
  if (Array.isArray(c.any)) return c.any;
  return null;
}

function isChain(c: JsonValue): boolean {
  if (!isObj(c)) return false;
  const k = kids(c);
  return k !== null && k.length >= 2;
}

function pathText(p: string): string {
  return isBarePath(p) ? p : JSON.stringify(p);
}

function wrapped(c: JsonValue): string {
  return isChain(c) ? `(${print(c)})` : print(c);
}

/** The canonical text form of a JSON condition. */
export function print(c: JsonValue): string {
  if (!isObj(c)) return JSON.stringify(c) ?? '';
  if ('all' in c || 'any' in c) {
    const isAll = 'all' in c;
    const list = kids(c) ?? [];
    if (list.length < 2) return `${isAll ? 'all' : 'any'}(${list.length ? print(list[0]) : ''})`;
    return list.map(wrapped).join(isAll ? ' and ' : ' or ');
  }
  if ('not' in c) return `not ${wrapped(c.not)}`;
  if ('audience' in c) {
    const name = String(c.audience ?? '');
    return `audience ${isBareName(name) ? name : JSON.stringify(name)}`;
  }
  if ('rollout' in c && isObj(c.rollout)) {
    const r = c.rollout;
    return `rollout(${pathText(String(r.unit ?? ''))}, ${JSON.stringify(String(r.salt ?? ''))}, ${JSON.stringify(r.percent ?? 0)})`;
  }
  const attr = String(c.attr ?? '');
  const op = String(c.op ?? '');
  let out = `${pathText(attr)} ${SYMBOLS[op] ?? op}`;
  if ('value' in c) out += ` ${JSON.stringify(c.value)}`;
  return out;
}
