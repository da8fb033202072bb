/**
 * Failpoints: named places in the code where a test makes the process die or fail, to prove
 * what a crash or an error at exactly that point leaves behind (an install's staging and swap
 * today; every operation of the crash matrix later). Enabled only by `PADDOCK_FAILPOINTS`,
 * which tests set: `name=kill`, `name=throw`, or `name=kill:N` for the Nth time the point is
 * reached, comma-separated. Unset, a failpoint costs one map lookup.
 */
export type FailpointAction = 'kill' | 'throw';

interface Armed {
  action: FailpointAction;
  /** Fires when `hits` reaches it. */
  at: number;
  hits: number;
}

let armed: Map<string, Armed> | undefined;

/** The failpoints `PADDOCK_FAILPOINTS` arms; a malformed item is an error, never ignored. */
export function parseFailpoints(spec: string | undefined): Map<string, Armed> {
  const out = new Map<string, Armed>();
  for (const item of (spec ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([a-z0-9_.-]+)=(kill|throw)(?::(\d+))?$/.exec(item);
    if (!m) throw new Error(`PADDOCK_FAILPOINTS: cannot read "${item}" (want name=kill|throw[:N])`);
    out.set(m[1]!, { action: m[2] as FailpointAction, at: Number(m[3] ?? 1), hits: 0 });
  }
  return out;
}

/** Whether any failpoint is armed (the daemon warns at start: tests only). */
export function failpointsArmed(): boolean {
  armed ??= parseFailpoints(process.env.PADDOCK_FAILPOINTS);
  return armed.size > 0;
}

/** Marks a point; an armed one kills the process with SIGKILL there, or throws. */
export function failpoint(name: string): void {
  armed ??= parseFailpoints(process.env.PADDOCK_FAILPOINTS);
  const point = armed.get(name);
  if (point === undefined || ++point.hits !== point.at) return;
  if (point.action === 'kill') process.kill(process.pid, 'SIGKILL');
  throw new Error(`failpoint ${name}`);
}
