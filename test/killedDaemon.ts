/** A daemon armed to die with SIGKILL at a failpoint, for the crash matrix's cells. */
import assert from 'node:assert/strict';
import { startDaemon, type TestDaemon } from './harness.js';

/**
 * Starts a daemon on `dataDir` armed to die at `step`, runs `act` (the request it dies in: it
 * must fail) and waits for the SIGKILL, which only the failpoint sends. A daemon that does not
 * die is stopped, so a failed cell leaves no daemon on the data dir.
 */
export async function killedAt(
  dataDir: string,
  token: string,
  step: string,
  act: (d: TestDaemon) => Promise<unknown>,
): Promise<void> {
  const d = await startDaemon({ dataDir, token, env: { PADDOCK_FAILPOINTS: `${step}=kill` } });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    d.proc.once('exit', (_code, signal) => resolve(signal)),
  );
  try {
    await assert.rejects(act(d), `the daemon died at ${step}`);
  } catch (err) {
    await d.stop();
    throw err;
  }
  assert.equal(await exited, 'SIGKILL');
}
