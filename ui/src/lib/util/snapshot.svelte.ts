/** A plain (non-reactive) deep copy of reactive state. */
export function snapshot<T>(value: T): T {
  return $state.snapshot(value as unknown) as T;
}
