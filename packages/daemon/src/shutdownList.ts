import type { Logger } from 'pino';

/**
 * What to close when the daemon stops, or when its start fails halfway: closed in reverse
 * order of adding, each awaited, a failure logged without keeping the rest open.
 */
export class ShutdownList {
  private readonly steps: (() => unknown)[] = [];
  private running: Promise<void> | undefined;

  constructor(private readonly log: Logger) {}

  add(step: () => unknown): void {
    this.steps.push(step);
  }

  /** Runs once; later calls wait for the same run. */
  run(done?: string): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step();
        } catch (err) {
          this.log.warn({ err }, 'a shutdown step failed');
        }
      }
      if (done) this.log.info(done);
    })();
    return this.running;
  }
}
