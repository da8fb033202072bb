// A terminal's limits and signals: plain values with no imports, so the console's bundle can
// take them through `@paddock/shared/browser` (agent/pty.ts, the protocol, re-exports them).

export const PTY_LIMITS = {
  /** Terminals open at once in one sandbox. */
  maxPerSandbox: 8,
  maxCols: 1000,
  maxRows: 1000,
  defaultCols: 80,
  defaultRows: 24,
  /** The largest frame payload between the daemon and the agent; larger input is sliced. */
  framePayloadBytes: 64 * 1024,
  /** The largest control message, either side. */
  controlBytes: 1024,
  /** The largest WebSocket message the daemon accepts from a client. */
  messageBytes: 1024 * 1024,
  /** After a hangup (SIGHUP to the terminal's session), what is still there is killed. */
  hangupGraceMs: 1_000,
} as const;

/** The signals a client may send a terminal's foreground process group. */
export const PTY_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGKILL', 'SIGHUP', 'SIGQUIT'] as const;
export type PtySignal = (typeof PTY_SIGNALS)[number];
