// Rules in plain words, for people: attributes by their label ("Country", "Lifetime value"), a
// condition as one sentence ("Country is one of GB, NL or IE and in the audience “VIP customers”").
import type { AttributeView, AudienceView, JsonValue } from '$lib/api';
import { children, isObj, nodeKind, OP_LABELS } from './rules';

/** What people call an attribute: its label, else the last part of its path in words. */
export function attributeLabel(path: string, label?: string | null): string {
  if (label) return label;
  const last = path.split('.').pop() ?? path;
  const words = last.replace(/[_-]+/g, ' ').trim();
  return words ? words[0].toUpperCase() + words.slice(1) : path;
}

function list(values: string[], joiner: 'or' | 'and'): string {
  if (values.length <= 1) return values.join('');
  return `${values.slice(0, -1).join(', ')} ${joiner} ${values[values.length - 1]}`;
}

function valueWords(op: string, value: JsonValue | undefined): string {
  if (op === 'exists' || value === undefined) return '';
  if (Array.isArray(value)) {
    const shown = value.map((v) => String(v));
    if (op === 'between' || op === 'hour_between') return `${shown[0] ?? '?'} and ${shown[1] ?? '?'}`;
    return list(shown, op === 'all_of' ? 'and' : 'or');
  }
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

/** `condition` as one sentence; attributes by the catalog's labels when `catalog` is given. */
export function conditionWords(condition: JsonValue, audiences: AudienceView[], depth = 0, catalog: AttributeView[] = []): string {
  const c = isObj(condition) ? condition : {};
  switch (nodeKind(condition)) {
    case 'all':
    case 'any': {
      const parts = children(condition).map((k) => conditionWords(k, audiences, depth + 1, catalog));
      if (parts.length === 0) return nodeKind(condition) === 'all' ? 'everyone' : 'nobody';
      const joined = parts.join(nodeKind(condition) === 'all' ? ' and ' : ' or ');
      return depth > 0 && parts.length > 1 ? `(${joined})` : joined;
    }
    case 'not':
      return `not ${conditionWords(c.not ?? { all: [] }, audiences, depth + 1, catalog)}`;
    case 'audience': {
      const id = String(c.audience ?? '');
      const name = audiences.find((a) => a.id === id)?.name;
      return name ? `in the audience “${name}”` : `in an audience that does not exist (${id || 'none chosen'})`;
    }
    case 'rollout': {
      const r = isObj(c.rollout) ? c.rollout : {};
      return `a stable ${typeof r.percent === 'number' ? r.percent : '?'}% of visitors`;
    }
    default: {
      const op = String(c.op ?? '');
      const value = valueWords(op, c.value);
      const path = String(c.attr ?? '');
      return [attributeLabel(path, catalog.find((a) => a.path === path)?.label), OP_LABELS[op] ?? op, value].filter(Boolean).join(' ');
    }
  }
}
