/** Deeper nesting than any real paper record has; deeper input is refused, not walked. */
export const MAX_META_DEPTH = 16;

/** How deeply a JSON value nests (0 for a scalar), counting no further than `limit` + 1. */
export function jsonDepth(value: unknown, limit = MAX_META_DEPTH): number {
  if (limit < 0 || value === null || typeof value !== 'object') return 0;
  let max = 0;
  for (const v of Object.values(value)) max = Math.max(max, 1 + jsonDepth(v, limit - 1));
  return max;
}

/**
 * An own, enumerable data property, whatever its name: plain assignment of `__proto__` would set
 * the object's prototype instead of storing the value.
 */
export function setData(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
