import fs from 'node:fs';
import { runCommand } from './hostCommands.js';

/**
 * The agent's OOM score adjustment. The agent (node, ~45 MB) is a likely OOM victim, and a
 * sandbox without its agent is unusable; -500 makes it an unlikely victim but never an
 * impossible one (only -1000 would exempt it), so the kernel can still kill anything in the
 * cgroup. The boot shell sets it while still root; bwrap and the agent inherit it, and the agent
 * puts each child it spawns back to 0.
 */
export const AGENT_OOM_SCORE_ADJ = -500;

/**
 * Lowering a score needs CAP_SYS_RESOURCE (or an inherited floor at least that low), which some
 * hosts withhold even from root: containers, some microVMs. Try it once in a child shell, as the
 * boot shell would; the value to use, or null when this host refuses it.
 */
export async function probeAgentOomScoreAdj(): Promise<number | null> {
  const r = await runCommand('/bin/sh', [
    '-c',
    'printf "%s\\n" "$1" > /proc/self/oom_score_adj && cat /proc/self/oom_score_adj',
    'paddock-oom-probe',
    String(AGENT_OOM_SCORE_ADJ),
  ]);
  return r.code === 0 && Number(r.stdout.trim()) === AGENT_OOM_SCORE_ADJ
    ? AGENT_OOM_SCORE_ADJ
    : null;
}

/** The daemon's own score: what agents keep on a host that refuses to lower it. */
export function ownOomScoreAdj(): number {
  try {
    return Number(fs.readFileSync('/proc/self/oom_score_adj', 'utf8').trim());
  } catch {
    return 0;
  }
}
