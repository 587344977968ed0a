/**
 * Runs `fn` over `items`, at most `limit` at a time (each call is a few
 * Redis round trips or an upload: enough in flight to hide the latency,
 * few enough not to flood the connection). Results come in the items' order;
 * the first failure rejects the whole run.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}
