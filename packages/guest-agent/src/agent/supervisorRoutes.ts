/*
 * The supervisor's HTTP side: PUT /supervisor's body, checked strictly, and the logs route.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  PaddockError,
  SUPERVISOR_LIMITS,
  type SupervisedSpec,
  type SupervisorList,
} from '@paddock/shared';
import { parseExecRequest } from './exec.js';
import {
  parseQuery,
  queryInteger,
  rejectUnknownFields,
  requireJsonObject,
  sendJson,
  type JsonObject,
} from './http.js';
import type { Supervisor } from './supervisor.js';

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** The fields of `SupervisedSpec`; the types keep the two in step. */
const SPEC_FIELDS = [
  'name',
  'kind',
  'command',
  'env',
  'port',
  'health_path',
] as const satisfies readonly (keyof SupervisedSpec)[];
/** Printable ASCII without spaces: what node:http accepts as a request path. */
const HEALTH_PATH = /^\/[\x21-\x7e]{0,2047}$/;

function bad(i: number, message: string): PaddockError {
  return new PaddockError('bad_request', `processes[${i}]: ${message}`);
}

/** Checks a PUT /supervisor body strictly (unknown fields refused, like every other route). */
export function parseSupervisorRequest(body: JsonObject): SupervisedSpec[] {
  rejectUnknownFields(body, ['processes']);
  const list = body.processes;
  if (!Array.isArray(list)) throw new PaddockError('bad_request', 'processes must be an array');
  if (list.length > SUPERVISOR_LIMITS.maxProcesses) {
    throw new PaddockError(
      'bad_request',
      `at most ${SUPERVISOR_LIMITS.maxProcesses} processes can be supervised`,
    );
  }
  const names = new Set<string>();
  return list.map((raw: unknown, i): SupervisedSpec => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw bad(i, 'must be an object');
    }
    const item = raw as JsonObject;
    for (const key of Object.keys(item)) {
      if (!(SPEC_FIELDS as readonly string[]).includes(key)) {
        throw new PaddockError('unknown_field', `unknown field: processes[${i}].${key}`);
      }
    }
    const { name, kind, command, port, health_path: healthPath } = item;
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw bad(i, 'name must match ^[A-Za-z0-9_-]{1,64}$');
    }
    if (names.has(name)) throw bad(i, `duplicate name: ${name}`);
    names.add(name);
    if (kind !== 'web' && kind !== 'worker') throw bad(i, 'kind must be web or worker');
    if (typeof command !== 'string') throw bad(i, 'command is required');
    // The same checks (and messages) as an exec's command and env.
    let checked;
    try {
      checked = parseExecRequest(item.env === undefined ? { command } : { command, env: item.env });
    } catch (err) {
      if (err instanceof PaddockError) throw bad(i, err.message);
      throw err;
    }
    const spec: SupervisedSpec = { name, kind, command };
    if (checked.env !== undefined) spec.env = { ...checked.env };
    if (port !== undefined) {
      if (kind !== 'web') throw bad(i, 'port is only for web processes');
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
        throw bad(i, 'port must be an integer from 1 to 65535');
      }
      spec.port = port;
    }
    if (healthPath !== undefined) {
      if (kind !== 'web') throw bad(i, 'health_path is only for web processes');
      if (spec.port === undefined) throw bad(i, 'health_path needs a port');
      if (typeof healthPath !== 'string' || !HEALTH_PATH.test(healthPath)) {
        throw bad(i, 'health_path must start with / and hold no spaces or control characters');
      }
      spec.health_path = healthPath;
    }
    return spec;
  });
}

/** PUT /supervisor */
export async function handleSupervisorPut(
  req: IncomingMessage,
  res: ServerResponse,
  supervisor: Supervisor,
): Promise<void> {
  const specs = parseSupervisorRequest(await requireJsonObject(req));
  const body: SupervisorList = { items: await supervisor.apply(specs) };
  sendJson(res, 200, body);
}

/** GET /supervisor/{name}/logs[?tail=N], JSON or (Accept: text/event-stream) a stream. */
export function handleSupervisorLogs(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  name: string,
  supervisor: Supervisor,
): void {
  const tail = queryInteger(parseQuery(url, ['tail']), 'tail', 0, Number.MAX_SAFE_INTEGER);
  if (/\btext\/event-stream\b/i.test(req.headers.accept ?? '')) {
    supervisor.streamLogs(name, res, tail);
    return;
  }
  sendJson(res, 200, supervisor.logs(name, tail));
}
