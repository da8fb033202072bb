interface Gate {
  shared: number;
  exclusive: boolean;
  waiting: { exclusive: boolean; enter: () => void }[];
}

/**
 * Each app's data gate, a readers/writer lock per app id: broker calls on the app's data hold
 * it shared, side by side; copying the data aside, putting a copy back and switching the
 * app's version hold it exclusively, so no call reads or writes in the middle (ADR 0024).
 * First come, first served: a waiting exclusive hold is not overtaken by later shared ones,
 * so a window that writes in a loop cannot starve a rollback. Not reentrant.
 */
export class AppDataGate {
  private readonly gates = new Map<string, Gate>();

  shared<T>(appId: string, fn: () => Promise<T>): Promise<T> {
    return this.hold(appId, false, fn);
  }

  exclusive<T>(appId: string, fn: () => Promise<T>): Promise<T> {
    return this.hold(appId, true, fn);
  }

  private async hold<T>(appId: string, exclusive: boolean, fn: () => Promise<T>): Promise<T> {
    await this.enter(appId, exclusive);
    try {
      return await fn();
    } finally {
      this.leave(appId, exclusive);
    }
  }

  private enter(appId: string, exclusive: boolean): Promise<void> {
    let g = this.gates.get(appId);
    if (!g) {
      g = { shared: 0, exclusive: false, waiting: [] };
      this.gates.set(appId, g);
    }
    if (g.waiting.length === 0 && canEnter(g, exclusive)) {
      take(g, exclusive);
      return Promise.resolve();
    }
    const gate = g;
    return new Promise((resolve) => gate.waiting.push({ exclusive, enter: resolve }));
  }

  private leave(appId: string, exclusive: boolean): void {
    const g = this.gates.get(appId)!;
    if (exclusive) g.exclusive = false;
    else g.shared--;
    // In order: every shared hold up to the next exclusive one, or that exclusive one alone.
    for (let next = g.waiting[0]; next && canEnter(g, next.exclusive); next = g.waiting[0]) {
      g.waiting.shift();
      take(g, next.exclusive);
      next.enter();
    }
    if (g.shared === 0 && !g.exclusive && g.waiting.length === 0) this.gates.delete(appId);
  }
}

function canEnter(g: Gate, exclusive: boolean): boolean {
  return !g.exclusive && (!exclusive || g.shared === 0);
}

function take(g: Gate, exclusive: boolean): void {
  if (exclusive) g.exclusive = true;
  else g.shared++;
}
