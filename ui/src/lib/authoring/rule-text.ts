// The rule builder's text form comes from the backend (the engine's own printer), so what the
// builder shows is exactly what review, diffs and the CLI print. This follows the condition as it
// is edited: asks again shortly after the last change (the latest answer wins), keeps the last
// text that printed while a new one is on its way or while the condition is incomplete, and
// reports why it is incomplete in the backend's words.
import type { JsonValue } from '$lib/api';

export interface RuleTextState {
  /** The last text form the backend printed (`null` until the first one arrives). */
  text: string | null;
  /** Why the current condition has no text form yet (plain words), or `null`. */
  problem: string | null;
  /** A newer condition is waiting for its text form. */
  pending: boolean;
}

export interface RuleTextFollower {
  /** The condition changed (calls with an unchanged condition are ignored). */
  update(condition: JsonValue): void;
  /** Stop: no more calls, late answers are dropped. */
  dispose(): void;
}

/** How long after the last change to ask, in milliseconds. */
export const RULE_TEXT_DELAY_MS = 150;

export function followRuleText(
  fetchText: (condition: JsonValue) => Promise<string>,
  onstate: (state: RuleTextState) => void,
  options: { delayMs?: number; messageOf?: (e: unknown) => string } = {},
): RuleTextFollower {
  const delayMs = options.delayMs ?? RULE_TEXT_DELAY_MS;
  const messageOf = options.messageOf ?? ((e: unknown) => (e instanceof Error ? e.message : String(e)));
  const state: RuleTextState = { text: null, problem: null, pending: false };
  let lastKey: string | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let seq = 0;
  let asked = false;
  let disposed = false;

  const emit = () => onstate({ ...state });

  function ask(condition: JsonValue) {
    timer = null;
    asked = true;
    const mine = ++seq;
    fetchText(condition).then(
      (text) => {
        if (mine !== seq || disposed) return;
        state.text = text;
        state.problem = null;
        state.pending = timer !== null;
        emit();
      },
      (e: unknown) => {
        if (mine !== seq || disposed) return;
        state.problem = messageOf(e);
        state.pending = timer !== null;
        emit();
      },
    );
  }

  return {
    update(condition) {
      if (disposed) return;
      const key = JSON.stringify(condition) ?? 'null';
      if (key === lastKey) return;
      lastKey = key;
      // A copy: the caller may go on to change the object it passed.
      const snapshot = JSON.parse(key) as JsonValue;
      if (timer !== null) clearTimeout(timer);
      state.pending = true;
      emit();
      // The first text is asked for at once; later ones once typing pauses.
      if (!asked) ask(snapshot);
      else timer = setTimeout(() => ask(snapshot), delayMs);
    },
    dispose() {
      disposed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
