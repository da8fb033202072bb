import type { Socket } from 'node:net';

/**
 * What the proxy reads of a sandbox. The daemon's sandbox row has these fields (and more), so it
 * is passed as is.
 */
export interface PreviewSandbox {
  id: string;
  owner_id: string;
  /** As stored; the proxy acts on 'running', 'stopped' and 'failed' and waits on the rest. */
  status: string;
  status_reason: string | null;
  app_id: string | null;
  /** The app's web port: the one port a public app opens to everyone. */
  web_port: number | null;
  /** Bumped by every start and rotation, so tokens of an older epoch stop working. */
  preview_epoch: number;
}

/**
 * The sandboxes behind the previews, as the daemon supplies them. The proxy hands back to
 * `wake`, `openPort` and `isWebStarting` only sandboxes `find` returned.
 */
export interface PreviewSandboxes {
  /** Any owner's sandbox (the link or cookie authenticates, not an owner); none once deleted. */
  find(sandboxId: string): Promise<PreviewSandbox | undefined>;
  /** A public app's web port needs no link or cookie. */
  isAppPublic(appId: string): Promise<boolean>;
  /** Starts a stopped sandbox without waiting; returns the epoch its preview will have. */
  wake(sandbox: PreviewSandbox): number;
  /** True while a wake is under way (its cookie names the coming epoch). */
  isWaking(sandboxId: string): boolean;
  /** Preview traffic is activity: a sandbox in use is not stopped for idleness. */
  touch(sandboxId: string): Promise<void>;
  /** A connection to a port on a running sandbox's loopback. */
  openPort(sandbox: PreviewSandbox, port: number, signal?: AbortSignal): Promise<Socket>;
  /** Whether the web process is starting, so a port with no listener yet is a wait. */
  isWebStarting(sandbox: PreviewSandbox): Promise<boolean>;
}

/** The slice of a pino logger the proxy writes to. */
export interface PreviewLog {
  warn(fields: Record<string, unknown>, message: string): void;
}
