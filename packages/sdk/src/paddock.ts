import { Apps } from './apps.js';
import { PaddockError } from './errors.js';
import { Filestores } from './filestores.js';
import { Instance } from './instance.js';
import { Sandboxes } from './sandbox.js';
import { Snapshots } from './snapshots.js';
import { Tasks } from './tasks.js';
import { Transport, type TransportOptions } from './transport.js';
import { Userspace } from './userspace.js';

export type PaddockOptions = Partial<TransportOptions>;

/**
 * A client of one Paddock daemon. `new Paddock({ url, token })`, or `new Paddock()` with
 * `PADDOCK_URL` and `PADDOCK_TOKEN` in the environment.
 */
export class Paddock {
  readonly sandboxes: Sandboxes;
  readonly apps: Apps;
  readonly tasks: Tasks;
  readonly snapshots: Snapshots;
  readonly filestores: Filestores;
  readonly userspace: Userspace;
  readonly instance: Instance;
  /** The HTTP layer: `transport.call(ROUTES.x.y, …)` reaches any route, typed by its contract. */
  readonly transport: Transport;

  constructor(options: PaddockOptions = {}) {
    const url = options.url ?? envVar('PADDOCK_URL');
    const token = options.token ?? envVar('PADDOCK_TOKEN');
    if (!url)
      throw new PaddockError('bad_request', 'no daemon URL: pass { url } or set PADDOCK_URL');
    if (!token)
      throw new PaddockError('bad_request', 'no token: pass { token } or set PADDOCK_TOKEN');
    this.transport = new Transport({ ...options, url, token });
    this.tasks = new Tasks(this.transport);
    this.snapshots = new Snapshots(this.transport);
    this.sandboxes = new Sandboxes(this.transport, {
      tasks: this.tasks,
      snapshots: this.snapshots,
    });
    this.apps = new Apps(this.transport, {
      sandboxes: this.sandboxes,
      tasks: this.tasks,
      snapshots: this.snapshots,
    });
    this.filestores = new Filestores(this.transport);
    this.userspace = new Userspace(this.transport);
    this.instance = new Instance(this.transport);
  }
}

/** An environment variable on Node, Bun or Deno (where reading it may need a permission). */
function envVar(name: string): string | undefined {
  const runtime = globalThis as {
    process?: { env?: Record<string, string | undefined> };
    Deno?: { env: { get(name: string): string | undefined } };
  };
  try {
    return runtime.process?.env?.[name] ?? runtime.Deno?.env.get(name) ?? undefined;
  } catch {
    return undefined;
  }
}
