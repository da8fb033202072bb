import type { Duplex } from 'node:stream';
import type {
  ExecRequest,
  ExecResult,
  ExecStreamFrame,
  RuntimeManifest,
  SupervisedInfo,
} from '@paddock/shared';

/**
 * The sandbox a task runs in, as the run needs it: the guest agent's calls (the daemon passes
 * its `AgentClient`, which has these and more). Tests pass a plain directory on the host.
 */
export interface TaskWorkspace {
  /** A buffered command in the workspace (git, for checkpoints). */
  exec(req: ExecRequest, signal?: AbortSignal): Promise<ExecResult>;
  /** A streamed command: frames until `exit` or `error`; leaving early kills its group. */
  execStream(req: ExecRequest, signal?: AbortSignal): AsyncIterable<ExecStreamFrame>;
  listSupervised(signal?: AbortSignal): Promise<SupervisedInfo[]>;
  restartSupervised(name: string, signal?: AbortSignal): Promise<unknown>;
  /** A connection to a port on the sandbox's loopback (the preview's way in). */
  openBridge(port: number, signal?: AbortSignal): Promise<Duplex>;
}

/** What a run needs from around the sandbox, and where it reports to. */
export interface TaskHost {
  /** The running sandbox's workspace (fails when the sandbox is not running). */
  connect(): Promise<TaskWorkspace>;
  /** The tool cache's directory of an agent CLI, as the sandbox sees it (installed if needed). */
  toolDir(tool: string): Promise<string>;
  /**
   * The app config an agent task gets: plain values, and a placeholder for each sensitive one,
   * which the egress proxy swaps for the value on the way to its hosts.
   */
  configEnv(): Promise<Record<string, string>>;
  /** The sandbox's manifest read again: the task may have changed sandbox.yaml. */
  reloadManifest(): Promise<RuntimeManifest | null>;
  /** Appends to the task log. */
  log(text: string): void;
  /** Records a step in the sandbox's event log. */
  event(type: string, message: string, payload: Record<string, unknown>): Promise<void>;
  /** Keeps the task's unified diff. */
  diff(text: string): void;
}
