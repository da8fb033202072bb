import { Compile, type Validator } from 'typebox/compile';
import {
  BROKER_METHODS,
  PaddockError,
  capabilityCovers,
  holds,
  type BrokerMethod,
  type CapabilityRequiredDetails,
  type ProvenanceTier,
} from '@paddock/shared';
import { handlerOf, WRITE_METHODS, type BrokerCaller, type BrokerHandlers } from './handlers.js';
import { RateLimiter } from '@paddock/shared';

/** What an app holds now: read at every call, so a grant or revoke applies to the next one. */
export interface Standing {
  tier: ProvenanceTier;
  granted: readonly string[];
  /** What the admin forbids the tier (wins over the ceiling and the grant). */
  forbidden: readonly string[];
  /** What the app's manifest asks for (required and optional): the user may grant only these. */
  declared?: readonly string[];
}

/** What the broker tells about each call, for the audit log and the counters. */
export interface BrokerObserver {
  /** A call refused (rate limit, capability, params, quota...): always audited. */
  refused(caller: BrokerCaller, method: string, capability: string | null, code: string): void;
  /** A write made: always audited (names only, never values). */
  wrote(caller: BrokerCaller, method: BrokerMethod, capability: string): void;
  /** A read answered (`code`: the error it answered with, e.g. file_not_found): counted. */
  read(caller: BrokerCaller, method: BrokerMethod, capability: string, code?: string): void;
}

export interface BrokerOptions {
  handlers: BrokerHandlers;
  standing(caller: BrokerCaller): Promise<Standing>;
  /** Calls one app may make per minute (the `userspace_broker_calls_per_minute` setting). */
  callsPerMinute(): number;
  observer?: BrokerObserver;
  now?: () => number;
}

/** A rate-limited app's refusals are told once per this window, not once per call. */
const RATE_REFUSAL_WINDOW_MS = 60_000;

/**
 * The capability broker: decides and dispatches. For each call: the method's capability from
 * `BROKER_METHODS`; the app's rate limit; `holds` against its tier's ceiling, its grant and
 * the admin's forbidden list (a refusal names the capability and whether it is grantable); its
 * params against the method's schema (compiled once); then the daemon's handler. No HTTP and
 * no database here: who the caller is comes from the daemon, never from the message.
 */
export class Broker {
  private readonly validators = new Map<BrokerMethod, Validator>();
  private readonly limiter: RateLimiter;
  private readonly lastRateRefusal = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly o: BrokerOptions) {
    this.now = o.now ?? Date.now;
    this.limiter = new RateLimiter(o.callsPerMinute, this.now);
  }

  async call(caller: BrokerCaller, method: string, params: unknown): Promise<unknown> {
    if (!isMethod(method)) {
      this.o.observer?.refused(caller, method, null, 'bad_request');
      throw new PaddockError('bad_request', `no broker method ${method}`);
    }
    await this.admit(caller, method);
    const validator = this.validatorOf(method);
    const value = params ?? {};
    if (!validator.Check(value)) {
      const first = [...validator.Errors(value)][0];
      const where = first?.instancePath ? ` at ${first.instancePath}` : '';
      const err = new PaddockError(
        'bad_request',
        `params of ${method}${where}: ${first?.message ?? 'invalid'}`,
      );
      this.o.observer?.refused(caller, method, BROKER_METHODS[method].capability, err.code);
      throw err;
    }
    const handler = handlerOf(this.o.handlers, method) as (
      c: BrokerCaller,
      p: unknown,
    ) => Promise<unknown>;
    return this.dispatch(caller, method, () => handler(caller, value));
  }

  /**
   * A call whose bytes travel another way (a file streamed over HTTP): the same admission as
   * `call` (rate, capability), the same audit and counts, then `perform` instead of the
   * method's handler. Its params were checked by the route's schema.
   */
  async run<T>(caller: BrokerCaller, method: BrokerMethod, perform: () => Promise<T>): Promise<T> {
    await this.admit(caller, method);
    return this.dispatch(caller, method, perform);
  }

  /** The rate limit, then the capability: a refusal is observed and thrown. */
  private async admit(caller: BrokerCaller, method: BrokerMethod): Promise<void> {
    const capability = BROKER_METHODS[method].capability;
    const refuse = (err: PaddockError): never => {
      this.o.observer?.refused(caller, method, capability, err.code);
      throw err;
    };
    if (!this.limiter.take(caller.appId)) {
      const last = this.lastRateRefusal.get(caller.appId) ?? -Infinity;
      const err = new PaddockError('rate_limited', 'the app makes broker calls too fast', {
        calls_per_minute: this.o.callsPerMinute(),
      });
      if (this.now() - last < RATE_REFUSAL_WINDOW_MS) throw err;
      this.lastRateRefusal.set(caller.appId, this.now());
      refuse(err);
    }
    const s = await this.o.standing(caller);
    if (!holds(s.tier, s.granted, s.forbidden, method)) {
      const grantable =
        holds(s.tier, [capability], s.forbidden, method) &&
        (s.declared === undefined || s.declared.some((d) => capabilityCovers(d, method)));
      const details: CapabilityRequiredDetails = { capability, method, grantable };
      refuse(
        new PaddockError(
          'capability_required',
          `${method} needs ${capability}, which the app does not hold${grantable ? '' : ' (the admin forbids it)'}`,
          details,
        ),
      );
    }
  }

  /** Runs an admitted call: a write is audited whatever its end, a read is counted. */
  private async dispatch<T>(
    caller: BrokerCaller,
    method: BrokerMethod,
    perform: () => Promise<T>,
  ): Promise<T> {
    const capability = BROKER_METHODS[method].capability;
    try {
      const result = await perform();
      if (WRITE_METHODS.has(method)) this.o.observer?.wrote(caller, method, capability);
      else this.o.observer?.read(caller, method, capability);
      return result;
    } catch (err) {
      if (!(err instanceof PaddockError)) throw err;
      if (WRITE_METHODS.has(method)) this.o.observer?.refused(caller, method, capability, err.code);
      else this.o.observer?.read(caller, method, capability, err.code);
      throw err;
    }
  }

  /** Forgets an app's rate limit state (it was uninstalled). */
  forget(appId: string): void {
    this.limiter.forget(appId);
    this.lastRateRefusal.delete(appId);
  }

  private validatorOf(method: BrokerMethod): Validator {
    let v = this.validators.get(method);
    if (!v) {
      v = Compile(BROKER_METHODS[method].params);
      this.validators.set(method, v);
    }
    return v;
  }
}

function isMethod(method: string): method is BrokerMethod {
  return Object.hasOwn(BROKER_METHODS, method);
}
