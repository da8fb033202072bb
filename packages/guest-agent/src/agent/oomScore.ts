import { readFileSync, writeFileSync } from 'node:fs';

/*
 * When a sandbox runs out of memory the kernel's OOM killer should take the user's processes,
 * not the agent (without the agent the sandbox is unusable). Every child therefore runs
 * CHILD_OOM_SCORE_MARGIN above the agent's own oom_score_adj: raising a score needs no
 * privilege, so this works on hosts where the driver cannot lower the agent's (it tries -500
 * where allowed). A process the child forks before the write keeps the agent's score; this
 * decides whom the OOM killer picks, it is not a security boundary (same uid).
 */
export const CHILD_OOM_SCORE_MARGIN = 500;

let ownScore: number | undefined;

/** The agent's own oom_score_adj, read once; 0 when /proc cannot tell. */
export function agentOomScoreAdj(): number {
  if (ownScore === undefined) {
    try {
      const n = Number.parseInt(readFileSync('/proc/self/oom_score_adj', 'utf8'), 10);
      ownScore = Number.isInteger(n) ? n : 0;
    } catch {
      ownScore = 0;
    }
  }
  return ownScore;
}

/** The score a child of an agent at `agentScore` gets: higher, within the kernel's range. */
export function childOomScore(agentScore: number): number {
  return Math.min(1000, agentScore + CHILD_OOM_SCORE_MARGIN);
}

/**
 * Raises a freshly spawned child's oom_score_adj above the agent's. Errors are ignored:
 * ENOENT/ESRCH when the child already exited, EACCES or a missing /proc elsewhere.
 * `agentScore` is for tests; the agent passes nothing and its own value is used.
 */
export function raiseChildOomScore(pid: number, agentScore: number = agentOomScoreAdj()): void {
  try {
    writeFileSync(`/proc/${pid}/oom_score_adj`, String(childOomScore(agentScore)));
  } catch {
    // Gone already, or not ours to change: the child simply keeps the inherited score.
  }
}
