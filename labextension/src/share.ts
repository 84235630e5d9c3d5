/**
 * Structural sharing of JSON values: a newly fetched value that reuses every
 * part of the previous one it equals. Rows memoised on their props (an item's
 * state, its spec, the datasets) then re-render only where the data changed.
 */

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `next`, with each array or object that deep-equals its counterpart in `previous` replaced by that
 * counterpart (`previous` itself when all of it is equal). For JSON data: plain objects, arrays, primitives.
 */
export function shareEqual<T>(previous: unknown, next: T): T {
  if (Object.is(previous, next)) {
    return next;
  }
  if (Array.isArray(previous) && Array.isArray(next)) {
    let same = previous.length === next.length;
    const shared = next.map((value, index) => {
      const kept = shareEqual(previous[index], value);
      same = same && kept === previous[index];
      return kept;
    });
    return (same ? previous : shared) as T;
  }
  if (isRecord(previous) && isRecord(next)) {
    const keys = Object.keys(next);
    let same = keys.length === Object.keys(previous).length;
    const shared: Record<string, unknown> = {};
    for (const name of keys) {
      const kept = shareEqual(previous[name], next[name]);
      same = same && Object.prototype.hasOwnProperty.call(previous, name) && kept === previous[name];
      shared[name] = kept;
    }
    return (same ? previous : shared) as T;
  }
  return next;
}
