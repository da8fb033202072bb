import {
  AGENT_LIMITS,
  PaddockError,
  SIGNALS,
  type ExecState,
  type ProcessInfo,
  type ProcessOutput,
  type SignalName,
} from '@paddock/shared';
import type { Child } from './child.js';

/** Keeps the newest `cap` bytes of a stream; older chunks are dropped whole or sliced. */
export class ByteRing {
  private chunks: Buffer[] = [];
  private size = 0;
  /** True once any byte was dropped. */
  dropped = false;

  constructor(private readonly cap: number) {}

  push(chunk: Buffer): void {
    if (chunk.length >= this.cap) {
      this.dropped ||= this.size > 0 || chunk.length > this.cap;
      this.chunks = [chunk.subarray(chunk.length - this.cap)];
      this.size = this.cap;
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.cap) {
      const first = this.chunks[0] as Buffer;
      const excess = this.size - this.cap;
      this.dropped = true;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
      }
    }
  }

  /** The newest `tail` bytes (all by default) and whether anything older is missing. */
  read(tail?: number): { bytes: Buffer; cut: boolean } {
    const all = Buffer.concat(this.chunks, this.size);
    if (tail === undefined || tail >= all.length) return { bytes: all, cut: this.dropped };
    return { bytes: all.subarray(all.length - tail), cut: true };
  }
}

/** Decodes bytes that may start in the middle of a UTF-8 sequence (a cut ring or tail). */
export function decodeTail(bytes: Buffer, cut: boolean): string {
  let start = 0;
  // Skip at most 3 continuation bytes (10xxxxxx) left over from a character cut at the front.
  while (cut && start < 3 && start < bytes.length && ((bytes[start] as number) & 0xc0) === 0x80)
    start++;
  return bytes.subarray(start).toString('utf8');
}

interface BackgroundProcess {
  id: string;
  child: Child;
  command: string;
  startedAt: string;
  endedAt: string | null;
  exitCode: number | null;
  signal: string | null;
  state: ExecState | null;
  stdout: ByteRing;
  stderr: ByteRing;
}

/**
 * Every child the agent started. Background processes get an id and output rings; foreground
 * execs are only tracked so shutdown can reach their process groups.
 */
export class ProcessRegistry {
  private readonly live = new Set<Child>();
  /** Insertion-ordered, so the oldest finished process is evicted first. */
  private readonly records = new Map<string, BackgroundProcess>();
  private nextId = 1;
  private finished = 0;

  /** Tracks a child until it has settled. */
  track(child: Child): void {
    this.live.add(child);
    void child.settled.then(() => this.live.delete(child));
  }

  /** Children whose process groups may still have members. */
  liveChildren(): Child[] {
    return [...this.live];
  }

  get runningCount(): number {
    let n = 0;
    for (const r of this.records.values()) if (r.child.running) n++;
    return n;
  }

  startBackground(child: Child, command: string): ProcessInfo {
    const record: BackgroundProcess = {
      id: `p${this.nextId++}`,
      child,
      command,
      startedAt: new Date().toISOString(),
      endedAt: null,
      exitCode: null,
      signal: null,
      state: null,
      stdout: new ByteRing(AGENT_LIMITS.processRingBytes),
      stderr: new ByteRing(AGENT_LIMITS.processRingBytes),
    };
    this.records.set(record.id, record);
    this.track(child);
    child.stdout?.on('data', (chunk: Buffer) => record.stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => record.stderr.push(chunk));
    void child.exited.then((outcome) => {
      if (child.spawnError !== null) record.stderr.push(Buffer.from(child.spawnError));
      record.endedAt = new Date().toISOString();
      record.exitCode = outcome.exit_code;
      record.signal = outcome.signal;
      record.state = outcome.state;
      this.finished++;
      this.evictFinished();
    });
    return this.info(record);
  }

  private evictFinished(): void {
    for (const [id, r] of this.records) {
      if (this.finished <= AGENT_LIMITS.finishedProcessesKept) return;
      if (r.endedAt === null) continue;
      this.records.delete(id);
      this.finished--;
    }
  }

  private get(id: string): BackgroundProcess {
    const record = this.records.get(id);
    if (!record) throw new PaddockError('process_not_found', `no such process: ${id}`);
    return record;
  }

  private info(r: BackgroundProcess): ProcessInfo {
    return {
      id: r.id,
      pid: r.child.pid ?? 0,
      command: r.command,
      status: r.endedAt === null ? 'running' : 'exited',
      started_at: r.startedAt,
      ended_at: r.endedAt,
      exit_code: r.exitCode,
      signal: r.signal,
      state: r.state,
    };
  }

  list(): ProcessInfo[] {
    return [...this.records.values()].map((r) => this.info(r));
  }

  inspect(id: string): ProcessInfo {
    return this.info(this.get(id));
  }

  signal(id: string, signal: unknown): ProcessInfo {
    if (typeof signal !== 'string' || !(SIGNALS as readonly string[]).includes(signal)) {
      throw new PaddockError('bad_request', `signal must be one of ${SIGNALS.join(', ')}`);
    }
    const record = this.get(id);
    if (record.endedAt !== null) throw new PaddockError('conflict', `process ${id} has exited`);
    record.child.kill(signal as SignalName);
    return this.info(record);
  }

  /** SIGKILL to the group; resolves with the final record once the leader is gone. */
  async kill(id: string): Promise<ProcessInfo> {
    const record = this.get(id);
    if (record.child.groupMayLive) record.child.kill('SIGKILL');
    await record.child.exited;
    // The registry's own `exited` handler ran first (it was attached at start), so the record is final.
    return this.info(record);
  }

  output(id: string, tail?: number): ProcessOutput {
    const record = this.get(id);
    const out = record.stdout.read(tail);
    const err = record.stderr.read(tail);
    return {
      stdout: decodeTail(out.bytes, out.cut),
      stderr: decodeTail(err.bytes, err.cut),
      truncated: out.cut || err.cut,
    };
  }
}
