import { parseArgs } from 'node:util';
import type { Paddock } from '@paddock/sdk';
import { UsageError } from '../args.js';
import { emit, emitTable, isJson } from '../output.js';

/** `paddock processes ls SANDBOX` and `paddock processes restart SANDBOX PROCESS`. */
export async function processes(pd: Paddock, argv: string[]): Promise<number> {
  const [sub, id, name, ...extra] = argv;
  if (!id || extra.length)
    throw new UsageError('usage: paddock processes ls|restart SANDBOX [PROCESS]');
  const sb = pd.sandboxes.connect(id);
  if (sub === 'ls' && name === undefined) {
    emitTable(
      await sb.processes(),
      ['NAME', 'KIND', 'STATUS', 'PID', 'RESTARTS', 'HEALTH', 'SINCE'],
      (p) => [p.name, p.kind, p.status, p.pid, p.restarts, p.health, p.since],
    );
    return 0;
  }
  if (sub === 'restart' && name !== undefined) {
    emit(await sb.restartProcess(name), (p) => console.log(`${p.name}\t${p.status}`));
    return 0;
  }
  throw new UsageError('usage: paddock processes ls SANDBOX | restart SANDBOX PROCESS');
}

/**
 * `paddock logs SANDBOX PROCESS [-f] [--tail BYTES]`: the log kept so far; with -f, the stream
 * (the tail, then output as it happens) until interrupted.
 */
export async function logs(pd: Paddock, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { follow: { type: 'boolean', short: 'f' }, tail: { type: 'string' } },
  });
  if (positionals.length !== 2) throw new UsageError('usage: paddock logs SANDBOX PROCESS [-f]');
  const [id, name] = positionals as [string, string];
  const sb = pd.sandboxes.connect(id);
  const tail = values.tail ? { tail: Number(values.tail) } : {};
  if (!values.follow) {
    emit(await sb.logs(name, tail), (l) => process.stdout.write(l.output));
    return 0;
  }
  // --json while following: a JSON line per piece of output, as it comes (no end to wait for).
  for await (const text of sb.followLogs(name, tail)) {
    if (isJson()) console.log(JSON.stringify({ text }));
    else process.stdout.write(text);
  }
  return 0;
}
