/**
 * Runs `fn` over `items` with at most `limit` calls in flight: enough to overlap the thread
 * pool's file I/O without holding many buffers at once. After the first failure no new call
 * starts, and the error is thrown only once every call in flight has settled, so nothing
 * still touches the workspace after the caller thaws or unmounts it.
 */
export async function inParallel<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (failure === null && next < items.length) {
      try {
        await fn(items[next++]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== null) throw (failure as { error: unknown }).error;
}
