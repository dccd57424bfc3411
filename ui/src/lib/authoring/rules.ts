// Shapes of condition nodes for the visual rule builder (the JSON form is canonical).
import type { AttributeView, JsonValue } from '$lib/api';

export type Obj = { [key: string]: JsonValue };
export type NodeKind = 'all' | 'any' | 'not' | 'audience' | 'rollout' | 'predicate';

export function isObj(v: JsonValue | undefined): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function nodeKind(c: JsonValue): NodeKind {
  if (isObj(c)) {
    if (Array.isArray(c.all)) return 'all';
    if (Array.isArray(c.any)) return 'any';
    if ('not' in c) return 'not';
    if ('audience' in c) return 'audience';
    if ('rollout' in c) return 'rollout';
  }
  return 'predicate';
}

export function children(c: JsonValue): JsonValue[] {
  if (!isObj(c)) return [];
  if (Array.isArray(c.all)) return c.all;
  if (Array.isArray(c.any)) return c.any;
  return [];
}

export const OP_LABELS: Record<string, string> = {
  exists: 'is known',
  eq: 'is',
  neq: 'is not',
  in: 'is one of',
  not_in: 'is none of',
  lt: 'is less than',
  lte: 'is at most',
  gt: 'is more than',
  gte: 'is at least',
  between: 'is between',
  contains: 'contains',
  starts_with: 'starts with',
  ends_with: 'ends with',
  matches: 'matches the pattern',
  semver_eq: 'version is',
  semver_lt: 'version is below',
  semver_lte: 'version is at most',
  semver_gt: 'version is above',
  semver_gte: 'version is at least',
  before: 'is before',
  after: 'is after',
  within_last: 'is within the last',
  day_of_week: 'falls on',
  hour_between: 'is between the hours',
  any_of: 'includes any of',
  all_of: 'includes all of',
  none_of: 'includes none of',
};

export const SOURCE_LABELS: Record<string, string> = {
  cdp: 'Customer profile',
  pim: 'Product',
  request: 'Visit (request)',
  cart: 'Shopping cart',
};

/** Operators of the same value shape keep the value when the operator changes. */
const SHAPES: Record<string, string> = {
  eq: 'one', neq: 'one', in: 'list', not_in: 'list', any_of: 'list', all_of: 'list', none_of: 'list',
  lt: 'num', lte: 'num', gt: 'num', gte: 'num', between: 'range', hour_between: 'range',
  contains: 'str', starts_with: 'str', ends_with: 'str', matches: 'str',
  semver_eq: 'ver', semver_lt: 'ver', semver_lte: 'ver', semver_gt: 'ver', semver_gte: 'ver',
  before: 'time', after: 'time', within_last: 'dur', day_of_week: 'days', exists: 'none',
};

export function sameShape(a: string, b: string): boolean {
  return SHAPES[a] !== undefined && SHAPES[a] === SHAPES[b] && a !== 'hour_between' && b !== 'hour_between';
}

export function defaultValue(attr: AttributeView | undefined, op: string, at: string): JsonValue | undefined {
  const type = attr?.type ?? 'string';
  switch (op) {
    case 'exists':
      return undefined;
    case 'eq':
    case 'neq':
      if (type === 'number') return 0;
      if (type === 'bool' || type === 'boolean') return true;
      return attr?.values[0] ?? '';
    case 'in':
    case 'not_in':
    case 'any_of':
    case 'all_of':
    case 'none_of':
      return [];
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      return 0;
    case 'between':
      return [0, 100];
    case 'hour_between':
      return [9, 17];
    case 'semver_eq':
    case 'semver_lt':
    case 'semver_lte':
    case 'semver_gt':
    case 'semver_gte':
      return attr?.values[0] ?? '1.0.0';
    case 'before':
    case 'after':
      return toUtcSeconds(at);
    case 'within_last':
      return '30d';
    case 'day_of_week':
      return ['sat', 'sun'];
    default:
      return '';
  }
}

/** The operator a new rule on this attribute starts with: "is" if possible, never "is known" if another fits. */
export function preferredOp(attr: AttributeView | undefined): string {
  const ops = attr?.operators ?? [];
  if (ops.includes('eq')) return 'eq';
  return ops.find((o) => o !== 'exists') ?? ops[0] ?? 'exists';
}

export function defaultPredicate(catalog: AttributeView[], at: string): Obj {
  const attr = catalog.find((a) => a.values.length > 0 && a.operators.includes('eq')) ?? catalog[0];
  const op = preferredOp(attr);
  const node: Obj = { attr: attr?.path ?? 'profile.tier', op };
  const value = defaultValue(attr, op, at);
  if (value !== undefined) node.value = value;
  return node;
}

/** "2026-11-25T10:00:00.000Z" or an offset time -> "2026-11-25T10:00:00Z". */
export function toUtcSeconds(rfc3339: string): string {
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return rfc3339;
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** RFC 3339 -> the value of an <input type="datetime-local"> in UTC. */
export function toLocalInput(rfc3339: string): string {
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return '';
  return d.toISOString().slice(0, 16);
}

/** <input type="datetime-local"> value read as UTC -> RFC 3339. */
export function fromLocalInput(v: string): string | null {
  if (!v) return null;
  const d = new Date(`${v.length === 16 ? `${v}:00` : v}Z`);
  return Number.isNaN(d.getTime()) ? null : toUtcSeconds(d.toISOString());
}

/** "a, b, c" -> ["a", "b", "c"], numbers for number attributes. */
export function parseList(text: string, numeric: boolean): JsonValue[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => (numeric && s !== '' && Number.isFinite(Number(s)) ? Number(s) : s));
}

export const WEEKDAYS: [string, string][] = [
  ['mon', 'Mon'], ['tue', 'Tue'], ['wed', 'Wed'], ['thu', 'Thu'], ['fri', 'Fri'], ['sat', 'Sat'], ['sun', 'Sun'],
];
