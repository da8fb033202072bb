import { createHmac } from 'node:crypto';
import {
  PaddockError,
  type ExecBody,
  type ExecResult,
  type ExecStreamFrame,
  type SandboxDriver,
} from '@paddock/shared';
import type { EventLog } from '../events/eventLog.js';
import type { DaemonMetrics } from '../http/metrics.js';
import type { SandboxService } from './sandboxService.js';
import type { SandboxRow, SandboxStore } from './sandboxStore.js';

export interface ExecServiceOptions {
  sandboxes: SandboxService;
  store: SandboxStore;
  driver: SandboxDriver;
  events: EventLog;
  metrics: DaemonMetrics;
  /** Keys the command hashes in exec events, so a short secret in a command cannot be guessed back. */
  commandHashKey: string;
}

/**
 * Commands in sandboxes: buffered, streamed and background. Adds the sandbox-level env, names
 * OOM kills the guest cannot see, and records each finished command as an event without its text
 * or output.
 */
export class ExecService {
  constructor(private readonly o: ExecServiceOptions) {}

  /** Sandbox-level env under the call's explicit env; both are explicit choices of the owner. */
  execRequest(row: SandboxRow, body: ExecBody): ExecBody {
    const base = JSON.parse(row.env_json) as Record<string, string>;
    if (body.command === undefined && body.argv === undefined) {
      throw new PaddockError('bad_request', 'exec needs either "command" or "argv"');
    }
    if (body.command !== undefined && body.argv !== undefined) {
      throw new PaddockError('bad_request', 'exec takes "command" or "argv", not both');
    }
    return { ...body, env: { ...base, ...body.env } };
  }

  async exec(owner: string, id: string, body: ExecBody, signal?: AbortSignal): Promise<ExecResult> {
    const result = await this.o.sandboxes.withAgent(owner, id, async (client, row) => {
      const r = await client.exec(this.execRequest(row, body), signal);
      return { ...r, state: await this.classify(row, r) };
    });
    await this.recordExec(owner, id, body, result);
    return result;
  }

  async *execStream(
    owner: string,
    id: string,
    body: ExecBody,
    signal: AbortSignal,
  ): AsyncGenerator<ExecStreamFrame> {
    const { row, client } = await this.o.sandboxes.agent(owner, id);
    const frames = client.execStream(this.execRequest(row, body), signal);
    this.o.sandboxes.begin(id);
    try {
      for await (const frame of this.watchStream(row, frames)) {
        if (frame.event === 'exit') {
          const data = {
            ...frame.data,
            state: await this.classify(row, frame.data),
          };
          await this.recordExec(owner, id, body, data);
          yield { event: 'exit', data };
        } else {
          yield frame;
        }
      }
    } finally {
      await this.o.sandboxes.end(id);
    }
  }

  /** Passes frames through; a lost agent mid-stream is noticed like any other lost call. */
  private async *watchStream(
    row: SandboxRow,
    frames: AsyncGenerator<ExecStreamFrame>,
  ): AsyncGenerator<ExecStreamFrame> {
    try {
      yield* frames;
    } catch (err) {
      if (err instanceof PaddockError && err.code === 'sandbox_unavailable') {
        const gone = await this.o.sandboxes.noticeAgentGone(row);
        if (gone) throw gone;
      }
      throw err;
    }
  }

  /**
   * A process the kernel's OOM killer ended is `oom`, which the guest cannot tell apart from any
   * other SIGKILL. A shell reports its killed child as exit 137, so that counts too. The cgroup's
   * counter is read only on such endings, so ordinary execs pay nothing for this.
   */
  private async classify(
    row: SandboxRow,
    result: Pick<ExecResult, 'state' | 'signal' | 'exit_code'>,
  ): Promise<ExecResult['state']> {
    const sigkilled =
      (result.state === 'killed' && result.signal === 'SIGKILL') ||
      (result.state === 'exited' && result.exit_code === 137);
    if (!sigkilled) return result.state;
    const seen = await this.o.driver.inspect(row.id);
    const fresh = await this.o.store.get(row.owner_id, row.id);
    if (!fresh || seen.oom_kills <= fresh.oom_kills) return result.state;
    await this.o.store.update(row.id, { oom_kills: seen.oom_kills });
    await this.o.events.append({
      owner: row.owner_id,
      sandboxId: row.id,
      type: 'sandbox.oom',
      severity: 'warn',
      message: 'A process was killed for exceeding the memory limit',
      payload: { oom_kills: seen.oom_kills, memory_mb: row.memory_mb },
    });
    return 'oom';
  }

  private async recordExec(
    owner: string,
    id: string,
    body: ExecBody,
    result: Pick<ExecResult, 'exit_code' | 'state' | 'duration_ms'>,
  ): Promise<void> {
    this.o.metrics.execs.inc({ state: result.state });
    await this.o.events.append({
      owner,
      sandboxId: id,
      type: 'sandbox.exec',
      severity: result.state === 'exited' ? 'info' : 'warn',
      message: `Command finished: ${result.state}`,
      // A keyed hash identifies the command without storing it: commands can carry secrets.
      payload: {
        command_hmac: this.commandHash(body),
        exit_code: result.exit_code,
        state: result.state,
        duration_ms: Math.round(result.duration_ms),
      },
    });
  }

  /** A keyed hash that identifies a command without storing it (commands can carry secrets). */
  commandHash(body: ExecBody): string {
    const text = body.command ?? JSON.stringify(body.argv);
    return createHmac('sha256', this.o.commandHashKey).update(text).digest('hex');
  }

  /** Starts a background process and answers with its record. */
  startBackground(owner: string, id: string, body: ExecBody) {
    return this.o.sandboxes.withAgent(owner, id, (client, row) =>
      client.startProcess(this.execRequest(row, body)),
    );
  }
}
