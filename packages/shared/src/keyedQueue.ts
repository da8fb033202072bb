/**
 * One promise chain per key: operations on the same key (a sandbox id) run one after another,
 * so a stop never races a destroy, while operations on different keys run in parallel. An
 * operation runs after the one before it settles, whether that succeeded or failed; each caller
 * gets its own operation's result or error.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const result = prev.then(() => fn());
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    // An idle key holds no memory: the last tail removes itself.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Resolves when everything queued so far, and anything queued meanwhile, has settled. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}
