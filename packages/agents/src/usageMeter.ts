import type { TaskUsage } from '@paddock/shared';

/**
 * The model usage an agent CLI reports as it runs, added up: tokens, and cost where the CLI
 * prints it. A run's limit is checked against `costUsd` as each event arrives.
 */
export class UsageMeter {
  private input = 0;
  private output = 0;
  private cost: number | null = null;
  private seen = false;

  /** One turn's or step's usage, on top of what came before. */
  add(usage: { input?: number; output?: number; cost?: number }): void {
    this.seen = true;
    this.input += usage.input ?? 0;
    this.output += usage.output ?? 0;
    if (usage.cost !== undefined) this.cost = (this.cost ?? 0) + usage.cost;
  }

  /** The whole run's totals, as a CLI reports them at its end: they replace the running sum. */
  total(usage: { input?: number; output?: number; cost?: number }): void {
    this.input = 0;
    this.output = 0;
    this.cost = null;
    this.add(usage);
  }

  get costUsd(): number | null {
    return this.cost;
  }

  value(): TaskUsage | null {
    if (!this.seen) return null;
    return {
      input_tokens: Math.round(this.input),
      output_tokens: Math.round(this.output),
      cost_usd: this.cost,
    };
  }
}
