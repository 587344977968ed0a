/**
 * A small cache with a size bound and a time to live, for lookups keyed by
 * something a public request chooses (a lesson id in a channel URL): entries
 * expire, and the oldest go first when the bound is reached, so unknown ids
 * never grow memory. Map keeps insertion order, which makes eviction O(1).
 */
export class TtlCache<V> {
  readonly #max: number;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #map = new Map<string, { value: V; until: number }>();

  constructor(opts: { max: number; ttlMs: number; now?: () => number }) {
    this.#max = opts.max;
    this.#ttlMs = opts.ttlMs;
    this.#now = opts.now ?? Date.now;
  }

  /** The cached value, or `undefined` as "not cached" (wrap values that may themselves be undefined). */
  get(key: string): { value: V } | undefined {
    const e = this.#map.get(key);
    if (!e) return undefined;
    if (e.until <= this.#now()) {
      this.#map.delete(key);
      return undefined;
    }
    return { value: e.value };
  }

  set(key: string, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, { value, until: this.#now() + this.#ttlMs });
    while (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value!);
  }

  get size(): number {
    return this.#map.size;
  }
}
