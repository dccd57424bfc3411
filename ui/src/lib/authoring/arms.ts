// Experiment arms as a marketer edits them: whole-number weights that must add up to 100, and
// each arm's patch (a JSON Merge Patch over the entry's baseline) built field by field from the
// generated form. A field left empty is no key in the patch, so the arm shows the baseline's.
import type { JsonValue } from '$lib/api';
import { set } from '$lib/util/pointer';
import { isObj, type Obj } from './rules';
import { label, type FieldSchema } from './schema';

/** What the arms' weights must add up to (the backend's lint `weights_total` says the same). */
export const WEIGHT_TOTAL = 100;

/** The weights of an experiment's arms, checked as the person types. */
export interface WeightCheck {
  /** The sum of the weights that are numbers (missing ones count as 0). */
  total: number;
  /** What is left to assign (negative: too much). */
  left: number;
  /** True when every weight is a whole number of at least 0 and they add up to 100. */
  ok: boolean;
  /** "Weights add up to 90 of 100 — 10 left to assign." */
  message: string;
  /** Per arm, what is wrong with its weight (null: nothing). */
  arms: (string | null)[];
}

/** A number for people: whole numbers as they are, others to two decimals. */
function figure(n: number): string {
  return String(Math.round(n * 100) / 100);
}

/** What is wrong with one arm's weight, or null. */
export function weightProblem(weight: JsonValue | undefined): string | null {
  if (typeof weight !== 'number' || !Number.isFinite(weight)) return 'Give this arm a weight (0 sends it no visitors).';
  if (weight < 0) return 'A weight cannot be below 0.';
  if (!Number.isInteger(weight)) return 'Use a whole number.';
  return null;
}

/** Checks the weights of an experiment's arms (each arm's `weight`, as stored). */
export function checkWeights(weights: (JsonValue | undefined)[]): WeightCheck {
  const arms = weights.map(weightProblem);
  const total = weights.reduce<number>((sum, w) => sum + (typeof w === 'number' && Number.isFinite(w) ? w : 0), 0);
  const left = WEIGHT_TOTAL - total;
  const exact = Math.abs(left) < 1e-9;
  const head = `Weights add up to ${figure(total)} of ${WEIGHT_TOTAL}`;
  const message = exact ? `${head}.` : left > 0 ? `${head} — ${figure(left)} left to assign.` : `${head} — ${figure(-left)} too many.`;
  return { total, left: exact ? 0 : left, ok: exact && arms.every((p) => p === null), message, arms };
}

/** The arms of an experiment (the objects among them). */
export function armsOf(experiment: JsonValue | undefined): Obj[] {
  return isObj(experiment) && Array.isArray(experiment.arms) ? (experiment.arms.filter(isObj) as Obj[]) : [];
}

/**
 * Why experiments.json may not be saved yet because of weights: the first experiment whose arms'
 * weights are wrong, by name; null when all are right.
 */
export function weightsBlocker(experiments: JsonValue[]): string | null {
  for (const [i, x] of experiments.entries()) {
    const arms = armsOf(x);
    const check = checkWeights(arms.map((a) => a.weight));
    if (check.ok) continue;
    const name = isObj(x) && typeof x.name === 'string' && x.name.trim() ? `“${x.name.trim()}”` : `experiment ${i + 1}`;
    const bad = check.arms.findIndex((p) => p !== null);
    if (bad >= 0) {
      const arm = typeof arms[bad].name === 'string' && arms[bad].name ? `“${arms[bad].name}”` : `${bad + 1}`;
      return `The arm ${arm} of ${name} needs a whole-number weight.`;
    }
    return `The weights of ${name} add up to ${figure(check.total)}; they must add up to ${WEIGHT_TOTAL}.`;
  }
  return null;
}

/**
 * A patch without what would change nothing: fields left empty (missing or "") and objects
 * left with no field. `null` stays: it removes the baseline's field for this arm. Lists are
 * kept whole (a list in a merge patch replaces the baseline's).
 */
export function cleanPatch(patch: JsonValue | undefined): Obj {
  const out: Obj = {};
  if (!isObj(patch)) return out;
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined || value === '') continue;
    if (isObj(value)) {
      const inner = cleanPatch(value);
      if (Object.keys(inner).length) out[key] = inner;
    } else {
      out[key] = value;
    }
  }
  return out;
}

/**
 * The arm's patch with the field at `pointer` (relative to the patch, e.g. /cta/label) set to
 * `value`; `undefined` or an empty text takes the field out, so the baseline's shows again.
 */
export function patchWith(patch: JsonValue | undefined, pointer: string, value: JsonValue | undefined): Obj {
  return cleanPatch(set(isObj(patch) ? patch : {}, pointer, value));
}

function list(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** What an arm shows, in a sentence: "Changes Headline and Subline; removes Voucher code". */
export function patchSummary(patch: JsonValue | undefined, schema: FieldSchema): string {
  const p = cleanPatch(patch);
  const name = (key: string) => label(schema.properties?.[key] ?? {}, key);
  const changed = Object.keys(p).filter((k) => p[k] !== null).map(name);
  const removed = Object.keys(p).filter((k) => p[k] === null).map(name);
  if (!changed.length && !removed.length) return 'Shows the entry as it is (a control).';
  const parts = [changed.length ? `Changes ${list(changed)}` : '', removed.length ? `${changed.length ? 'removes' : 'Removes'} ${list(removed)}` : ''];
  return `${parts.filter(Boolean).join('; ')}.`;
}
