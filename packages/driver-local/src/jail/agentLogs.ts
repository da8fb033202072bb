import fs from 'node:fs';
import type { SandboxFiles } from './sandboxFiles.js';

/** The daemon empties an agent log past this size, well before the runtime tmpfs is full. */
export const LOG_TRIM_BYTES = 1024 * 1024;
/** How often running sandboxes' logs are checked against that cap. */
const LOG_TRIM_INTERVAL_MS = 5_000;
/** How much of the last boot's log is kept next to state.json after a stop. */
const SAVED_LOG_BYTES = 64 * 1024;

/**
 * Each sandbox's agent log: stdout and stderr of its boot (sh, setpriv, bwrap, the agent), in the
 * runtime tmpfs while it runs, its tail kept in the state dir after a stop.
 */
export class AgentLogs {
  constructor(private readonly files: SandboxFiles) {}

  /** Opened by the daemon (O_APPEND) and handed to the sandbox as its stdout and stderr. */
  open(id: string): number {
    return fs.openSync(this.files.logFile(id), 'a', 0o600);
  }

  /** Empty a log that grew past the cap; O_APPEND writers simply continue at the new end. */
  trim(id: string): void {
    const file = this.files.logFile(id);
    try {
      if (fs.statSync(file).size > LOG_TRIM_BYTES) {
        fs.truncateSync(file, 0);
        fs.appendFileSync(file, '[paddock: log trimmed]\n');
      }
    } catch {
      // not running: nothing to trim
    }
  }

  /** Check every sandbox's log every few seconds; returns the function that stops it. */
  startTrimming(intervalMs = LOG_TRIM_INTERVAL_MS): () => void {
    const timer = setInterval(() => {
      for (const id of this.files.ids()) this.trim(id);
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  tail(id: string, bytes = 4096): string {
    return tailOf(this.files.logFile(id), bytes);
  }

  /** Keep the end of the last boot's log next to state.json before the tmpfs goes away. */
  save(id: string): void {
    if (!fs.existsSync(this.files.logFile(id)) || !this.files.exists(id)) return;
    fs.writeFileSync(this.files.savedLogFile(id), tailOf(this.files.logFile(id), SAVED_LOG_BYTES), {
      mode: 0o600,
    });
  }
}

function tailOf(file: string, bytes: number): string {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = fs.fstatSync(fd).size;
    const len = Math.min(size, bytes);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, size - len);
    return buf.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}
