import { isMap, isScalar, isSeq, type LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';
import { MANIFEST_LIMITS } from './limits.js';
import { validateFilestores } from './validateFilestores.js';
import { validatePublish } from './validatePublish.js';
import type {
  BuildStep,
  ManifestEgress,
  ManifestIssue,
  RuntimeManifest,
  WebProcess,
  WorkerProcess,
} from './types.js';

/**
 * Walks a parsed document node by node, so every problem carries the line of the node at fault.
 * Collects all problems rather than stopping at the first: a person fixes them in one go.
 */
export class ManifestValidator {
  readonly issues: ManifestIssue[] = [];

  constructor(private readonly lines: LineCounter) {}

  report(node: Node | Pair | null | undefined, path: string, message: string): void {
    const offset = rangeStart(node);
    const pos = offset === undefined ? { line: 1, col: 1 } : this.lines.linePos(offset);
    this.issues.push({ line: pos.line, column: pos.col, path, message });
  }

  manifest(root: unknown): RuntimeManifest | undefined {
    if (!isMap(root)) {
      this.report(root as Node | undefined, '', 'the manifest must be a mapping with `version: 1`');
      return undefined;
    }
    const fields = this.fields(root, '', [
      'version',
      'web',
      'build',
      'workers',
      'egress',
      'publish',
      'filestores',
    ]);
    const version = fields.get('version');
    if (!version) this.report(root, 'version', '`version` is required and must be 1');
    else if (!isScalar(version.value) || version.value.value !== 1) {
      this.report(version.value as Node, 'version', 'only `version: 1` is supported');
    }
    const web = fields.has('web') ? this.web(fields.get('web')!) : undefined;
    const build = fields.has('build') ? this.build(fields.get('build')!) : undefined;
    const workers = fields.has('workers') ? this.workers(fields.get('workers')!) : [];
    const egress = fields.has('egress') ? this.egress(fields.get('egress')!) : undefined;
    const publish = fields.has('publish')
      ? validatePublish(this, fields.get('publish')!)
      : undefined;
    const filestores = fields.has('filestores')
      ? validateFilestores(this, fields.get('filestores')!)
      : undefined;
    if (!fields.has('web') && !fields.has('workers')) {
      this.report(root, '', 'the manifest declares nothing to run: add `web`, `workers`, or both');
    }
    if (this.issues.length > 0) return undefined;
    return {
      version: 1,
      ...(web ? { web } : {}),
      ...(build ? { build } : {}),
      workers,
      ...(egress ? { egress } : {}),
      ...(publish ? { publish } : {}),
      ...(filestores ? { filestores } : {}),
    };
  }

  private web(pair: Pair): WebProcess | undefined {
    const node = pair.value as Node | null;
    if (!isMap(node))
      return this.fail(pair, 'web', '`web` must be a mapping with `command` and `port`');
    const f = this.fields(node, 'web', ['command', 'port', 'health_path', 'restart_after_task']);
    const command = this.command(f.get('command'), node, 'web.command');
    const port = this.integer(f.get('port'), node, 'web.port', 1, 65535, true);
    let healthPath = '/';
    const hp = f.get('health_path');
    if (hp) {
      const v = this.string(hp, 'web.health_path');
      // Printable ASCII only: Node's http.get throws on anything else, in the guest agent's
      // health-check timer, where nothing would catch it (percent-encode the rest).
      if (v !== undefined && (!/^\/[\x21-\x7e]*$/.test(v) || v.length > 1024)) {
        this.report(
          hp.value as Node,
          'web.health_path',
          '`health_path` must be a URL path starting with /',
        );
      } else if (v !== undefined) healthPath = v;
    }
    const restart = this.boolean(f.get('restart_after_task'), 'web.restart_after_task');
    if (command === undefined || port === undefined) return undefined;
    return { command, port, health_path: healthPath, restart_after_task: restart };
  }

  private build(pair: Pair): BuildStep | undefined {
    const node = pair.value as Node | null;
    if (!isMap(node)) return this.fail(pair, 'build', '`build` must be a mapping with `command`');
    const f = this.fields(node, 'build', ['command', 'timeout_seconds']);
    const c = f.get('command');
    let command: string | undefined;
    if (!c)
      this.report(
        node,
        'build.command',
        '`build.command` is required (an empty string skips the build)',
      );
    else {
      const isNull = isScalar(c.value) && c.value.value === null;
      command = isNull ? '' : this.string(c, 'build.command');
      if (command?.includes('\0')) {
        this.report(c.value as Node, 'build.command', 'the command contains a NUL byte');
        command = undefined;
      } else if (command !== undefined && command.length > MANIFEST_LIMITS.maxCommandLength) {
        this.report(c.value as Node, 'build.command', 'the command is too long');
        command = undefined;
      }
    }
    const timeout =
      this.integer(
        f.get('timeout_seconds'),
        node,
        'build.timeout_seconds',
        1,
        MANIFEST_LIMITS.maxBuildTimeoutSeconds,
        false,
      ) ?? MANIFEST_LIMITS.defaultBuildTimeoutSeconds;
    return command === undefined
      ? undefined
      : { command: command.trim(), timeout_seconds: timeout };
  }

  private workers(pair: Pair): WorkerProcess[] {
    const node = pair.value as Node | null;
    if (!isSeq(node)) {
      this.report(pair, 'workers', '`workers` must be a list of {name, command}');
      return [];
    }
    if (node.items.length > MANIFEST_LIMITS.maxWorkers) {
      this.report(node, 'workers', `at most ${MANIFEST_LIMITS.maxWorkers} workers`);
    }
    const seen = new Map<string, number>();
    const out: WorkerProcess[] = [];
    node.items.forEach((item, i) => {
      const path = `workers[${i}]`;
      if (!isMap(item)) {
        this.report(item as Node, path, 'each worker must be a mapping with `name` and `command`');
        return;
      }
      const f = this.fields(item, path, ['name', 'command', 'restart_after_task']);
      const n = f.get('name');
      let name: string | undefined;
      if (!n) this.report(item, `${path}.name`, 'a worker needs a `name`');
      else {
        name = this.string(n, `${path}.name`);
        if (name !== undefined && !MANIFEST_LIMITS.workerName.test(name)) {
          this.report(n.value as Node, `${path}.name`, 'names are 1–64 of A-Z a-z 0-9 _ -');
          name = undefined;
        } else if (name !== undefined && MANIFEST_LIMITS.reservedNames.includes(name)) {
          this.report(n.value as Node, `${path}.name`, `"${name}" is reserved`);
          name = undefined;
        } else if (name !== undefined && seen.has(name)) {
          this.report(
            n.value as Node,
            `${path}.name`,
            `"${name}" is already used by workers[${seen.get(name)}]`,
          );
          name = undefined;
        } else if (name !== undefined) seen.set(name, i);
      }
      const command = this.command(f.get('command'), item, `${path}.command`);
      const restart = this.boolean(f.get('restart_after_task'), `${path}.restart_after_task`);
      if (name !== undefined && command !== undefined)
        out.push({ name, command, restart_after_task: restart });
    });
    return out;
  }

  /** The egress baseline: host names or `*.domain`, each once, as the egress API takes them. */
  private egress(pair: Pair): ManifestEgress | undefined {
    const node = pair.value as Node | null;
    if (!isMap(node)) return this.fail(pair, 'egress', '`egress` must be a mapping with `allow`');
    const list = this.fields(node, 'egress', ['allow']).get('allow');
    if (!list)
      return this.fail(pair, 'egress.allow', '`egress.allow` is required (a list of hosts)');
    const items = list.value as Node | null;
    if (!isSeq(items))
      return this.fail(list, 'egress.allow', '`egress.allow` must be a list of hosts');
    if (items.items.length > MANIFEST_LIMITS.maxEgressHosts) {
      this.report(items, 'egress.allow', `at most ${MANIFEST_LIMITS.maxEgressHosts} hosts`);
    }
    const allow: string[] = [];
    items.items.forEach((item, i) => {
      const path = `egress.allow[${i}]`;
      const host = isScalar(item) && typeof item.value === 'string' ? item.value : undefined;
      if (host === undefined) this.report(item as Node, path, 'must be a host name');
      else if (!MANIFEST_LIMITS.egressHost.test(host) || host.length > 253) {
        this.report(
          item as Node,
          path,
          `"${host}" is not a lower-case host name (example.com) or *.domain (*.example.com)`,
        );
      } else if (allow.includes(host)) {
        this.report(item as Node, path, `"${host}" is already listed`);
      } else allow.push(host);
    });
    return { allow };
  }

  /** The map's pairs by key; unknown keys and non-string keys are reported. */
  fields(map: YAMLMap, path: string, allowed: readonly string[]): Map<string, Pair> {
    const out = new Map<string, Pair>();
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? pair.key.value : undefined;
      const where = path ? `${path}.${String(key)}` : String(key);
      if (typeof key !== 'string') {
        this.report(pair.key as Node, path, 'keys must be plain names');
      } else if (!allowed.includes(key)) {
        const hint = closest(key, allowed);
        this.report(
          pair.key as Node,
          where,
          `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
        );
      } else out.set(key, pair);
    }
    return out;
  }

  private command(pair: Pair | undefined, parent: Node, path: string): string | undefined {
    if (!pair) {
      this.report(parent, path, `\`${path.split('.').pop()}\` is required`);
      return undefined;
    }
    const v = this.string(pair, path);
    if (v === undefined) return undefined;
    if (v.trim() === '') {
      this.report(pair.value as Node, path, 'the command is empty');
      return undefined;
    }
    // A NUL cannot cross execve(2): spawning it would throw in the guest agent.
    if (v.includes('\0')) {
      this.report(pair.value as Node, path, 'the command contains a NUL byte');
      return undefined;
    }
    if (v.length > MANIFEST_LIMITS.maxCommandLength) {
      this.report(pair.value as Node, path, 'the command is too long');
      return undefined;
    }
    return v.trim();
  }

  string(pair: Pair, path: string): string | undefined {
    const node = pair.value as Node | null;
    if (isScalar(node) && typeof node.value === 'string') return node.value;
    this.report(node ?? pair, path, 'must be a string');
    return undefined;
  }

  private integer(
    pair: Pair | undefined,
    parent: Node,
    path: string,
    min: number,
    max: number,
    required: boolean,
  ): number | undefined {
    if (!pair) {
      if (required) this.report(parent, path, `\`${path.split('.').pop()}\` is required`);
      return undefined;
    }
    const node = pair.value as Node | null;
    if (isScalar(node) && typeof node.value === 'number' && Number.isInteger(node.value)) {
      if (node.value >= min && node.value <= max) return node.value;
      this.report(node, path, `must be from ${min} to ${max}`);
      return undefined;
    }
    this.report(node ?? pair, path, 'must be an integer');
    return undefined;
  }

  private boolean(pair: Pair | undefined, path: string): boolean {
    if (!pair) return false;
    const node = pair.value as Node | null;
    if (isScalar(node) && typeof node.value === 'boolean') return node.value;
    this.report(node ?? pair, path, 'must be true or false');
    return false;
  }

  fail(pair: Pair, path: string, message: string): undefined {
    this.report((pair.value as Node | null) ?? pair, path, message);
    return undefined;
  }
}

function rangeStart(node: Node | Pair | null | undefined): number | undefined {
  if (!node) return undefined;
  if ('range' in node && node.range) return node.range[0];
  if ('key' in node) return rangeStart(node.key as Node) ?? rangeStart(node.value as Node);
  return undefined;
}

/** A known key within two edits of a typo, for "did you mean". */
function closest(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of allowed) {
    const d = editDistance(key, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = row[j]!;
      row[j] = next;
    }
  }
  return row[b.length]!;
}
