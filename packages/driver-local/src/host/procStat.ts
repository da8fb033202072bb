import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** A process as recorded in state.json: its pid plus its start time, so recycled pids never match. */
export interface ProcessIdentity {
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot), kept as text. */
  start_time: string;
}

interface ProcStat {
  state: string;
  startTime: string;
}

/** Parse /proc/<pid>/stat; the command name (field 2) may contain spaces and parentheses. */
export function parseProcStat(text: string): ProcStat | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is field 3 (state), so field 22 (starttime) is fields[19].
  const state = fields[0];
  const startTime = fields[19];
  if (state === undefined || startTime === undefined) return null;
  return { state, startTime };
}

function readStat(pid: number): ProcStat | null {
  try {
    return parseProcStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

export function processIdentity(pid: number): ProcessIdentity | null {
  const stat = readStat(pid);
  return stat === null ? null : { pid, start_time: stat.startTime };
}

/** True while the very process we recorded is alive (not a zombie, not a recycled pid). */
export function isAlive(proc: ProcessIdentity): boolean {
  const stat = readStat(proc.pid);
  return (
    stat !== null && stat.startTime === proc.start_time && stat.state !== 'Z' && stat.state !== 'X'
  );
}

/** Poll until the process is gone; false if it is still there after `timeoutMs`. */
export async function waitForExit(proc: ProcessIdentity, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(proc)) {
    if (Date.now() >= deadline) return false;
    await sleep(20);
  }
  return true;
}
