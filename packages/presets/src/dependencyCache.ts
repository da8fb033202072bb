import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { chmod, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { getPreset, type PresetDefinition } from './catalog.js';
import { TOOLS, type ToolDefinition } from './tools.js';
import { missingNativePackages } from './nativePackages.js';
import { npmCi } from './npmCi.js';
import { makeWorldReadable } from './worldReadable.js';

/** Pino-compatible: the daemon passes a child logger. */
export interface PresetsLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface DependencyCacheOptions {
  /** Holds one `<preset>-<key>/` per install; it and its parents must be searchable by sandbox uids. */
  root: string;
  /** Default: `npm` from PATH, with the daemon's own node directory first. */
  npmPath?: string;
  log?: PresetsLogger;
  /** Default 10 minutes. */
  timeoutMs?: number;
}

export interface EnsureResult {
  /** Absolute path of the install's node_modules, to bind read-only over `<workspace>/node_modules`. */
  nodeModules: string;
  /** True when this call (or the call it joined) built it; false when it was already there. */
  built: boolean;
  ms: number;
}

/** Bumped when the layout or the way installs are made changes, so old entries are not reused. */
const CACHE_FORMAT = '1';
const TEMP_PREFIX = '.tmp-';

/** What can be installed: a preset's dependencies or an agent CLI (a tool). */
export type Installable = PresetDefinition | ToolDefinition;

/** What an install is made from: the template's package-lock.json and package.json. */
export interface NpmInputs {
  lockfile: Buffer;
  packageJson: Buffer;
}

/**
 * One read-only node_modules per npm preset and lockfile, shared by every sandbox of that
 * preset (mounted, never copied). Built on the host, where the registry is reachable, with
 * `npm ci --ignore-scripts` in a temporary directory, then renamed into place: an entry that
 * exists is complete, so several daemons can share one root without a lock.
 */
export class DependencyCache {
  readonly root: string;
  private readonly npmPath: string;
  private readonly log: PresetsLogger | undefined;
  private readonly timeoutMs: number;
  private readonly inflight = new Map<string, Promise<EnsureResult>>();

  constructor(options: DependencyCacheOptions) {
    this.root = path.resolve(options.root);
    this.npmPath = options.npmPath ?? 'npm';
    this.log = options.log;
    this.timeoutMs = options.timeoutMs ?? 10 * 60_000;
  }

  /** Short hash of what decides an install's content: the lockfile, package.json, Node's major. */
  key(preset: Installable | string): string {
    return keyOf(this.inputs(resolvePreset(preset)));
  }

  /** Where the preset's node_modules is (or will be): `<root>/<preset>-<key>/node_modules`. */
  dirFor(preset: Installable | string): string {
    const p = resolvePreset(preset);
    return this.nodeModulesDir(p, keyOf(this.inputs(p)));
  }

  /** The bytes an install of it is made from now (its template's). */
  inputsOf(preset: Installable | string): NpmInputs {
    return this.inputs(resolvePreset(preset));
  }

  has(preset: Installable | string): boolean {
    return existsSync(this.dirFor(preset));
  }

  /** The preset's node_modules, built first if missing. Concurrent calls share one build. */
  async ensure(preset: Installable | string): Promise<EnsureResult> {
    const p = resolvePreset(preset);
    // The bytes hashed are the bytes installed, even if the template changes meanwhile.
    const inputs = this.inputs(p);
    const nodeModules = this.nodeModulesDir(p, keyOf(inputs));
    const running = this.inflight.get(nodeModules);
    if (running) return running;
    const started = performance.now();
    const job = this.ensureUncached(p, inputs, nodeModules, started).finally(() => {
      this.inflight.delete(nodeModules);
    });
    this.inflight.set(nodeModules, job);
    return job;
  }

  private nodeModulesDir(preset: Installable, key: string): string {
    return path.join(this.root, `${preset.name}-${key}`, 'node_modules');
  }

  private async ensureUncached(
    preset: Installable,
    inputs: NpmInputs,
    nodeModules: string,
    started: number,
  ): Promise<EnsureResult> {
    const elapsed = () => Math.round(performance.now() - started);
    if (existsSync(nodeModules)) return { nodeModules, built: false, ms: elapsed() };

    const entry = path.dirname(nodeModules);
    const name = path.basename(entry);
    // The root is a bind source that sandbox uids must traverse; a umask must not close it.
    if (await mkdir(this.root, { recursive: true })) await chmod(this.root, 0o755);
    await this.sweepStaleTemps();
    // Names its builder, so a restart can sweep what a killed build left at once.
    const tmp = await mkdtemp(path.join(this.root, `${TEMP_PREFIX}${name}-${BUILDER}-`));
    this.log?.info({ preset: preset.name, dir: entry }, 'building the dependency cache');
    try {
      await writeFile(path.join(tmp, 'package.json'), inputs.packageJson);
      await writeFile(path.join(tmp, 'package-lock.json'), inputs.lockfile);
      try {
        await npmCi({ npmPath: this.npmPath, cwd: tmp, timeoutMs: this.timeoutMs });
      } catch (err) {
        throw new Error(`dependency cache for preset ${preset.name}: ${(err as Error).message}`);
      }
      const missing = missingNativePackages(tmp, inputs.lockfile.toString('utf8'));
      if (missing.length > 0) {
        throw new Error(
          `dependency cache for preset ${preset.name}: npm ci left out platform packages ` +
            `this host needs: ${missing.join(', ')}`,
        );
      }
      await makeWorldReadable(tmp);
      try {
        await rename(tmp, entry);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !existsSync(nodeModules)) throw err;
        // Another daemon sharing this root finished first: its install is as good as ours.
        this.log?.info({ preset: preset.name, dir: entry }, 'dependency cache built elsewhere');
        return { nodeModules, built: false, ms: elapsed() };
      }
      this.log?.info({ preset: preset.name, dir: entry, ms: elapsed() }, 'dependency cache built');
      return { nodeModules, built: true, ms: elapsed() };
    } catch (err) {
      this.log?.warn(
        { preset: preset.name, err: (err as Error).message },
        'dependency cache build failed',
      );
      throw err;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /**
   * Temp dirs of builds that died with their daemon: at once when their builder was a process
   * of this host that is gone; otherwise (another host sharing the root) once older than two
   * timeouts.
   */
  private async sweepStaleTemps(): Promise<void> {
    const cutoff = Date.now() - 2 * this.timeoutMs;
    for (const name of await readdir(this.root)) {
      if (!name.startsWith(TEMP_PREFIX)) continue;
      const dir = path.join(this.root, name);
      const info = await stat(dir).catch(() => undefined);
      if (info && (builderGone(name) || info.mtimeMs < cutoff)) {
        // Best effort: a temp dir left behind is no reason to refuse this build.
        await rm(dir, { recursive: true, force: true }).catch((err: unknown) => {
          this.log?.warn({ dir, err: (err as Error).message }, 'could not remove a stale temp dir');
        });
      }
    }
  }

  private inputs(preset: Installable): NpmInputs {
    if (preset.dependencies !== 'npm') {
      throw new Error(`preset ${preset.name} has no npm dependencies`);
    }
    return {
      lockfile: readFileSync(path.join(preset.templateDir, 'package-lock.json')),
      packageJson: readFileSync(path.join(preset.templateDir, 'package.json')),
    };
  }
}

/** `<pid>@<host>` of this process, in the name of each temp dir it builds in. */
const BUILDER = `${process.pid}@${hostname().replace(/[^A-Za-z0-9.]/g, '_')}`;

/** A temp dir's builder was a process of this host that no longer runs. */
function builderGone(name: string): boolean {
  const m = /-(\d+)@([^@]+)-[^-]+$/.exec(name);
  if (!m || `${m[1]}@${m[2]}` === BUILDER || m[2] !== BUILDER.split('@')[1]) return false;
  try {
    process.kill(Number(m[1]), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Length-prefixed parts, so no two different inputs hash alike. */
function keyOf(inputs: NpmInputs): string {
  const nodeMajor = Buffer.from(process.versions.node.split('.')[0]!);
  const hash = createHash('sha256');
  for (const part of [Buffer.from(CACHE_FORMAT), inputs.lockfile, inputs.packageJson, nodeMajor]) {
    hash.update(`${part.length}:`).update(part);
  }
  return hash.digest('hex').slice(0, 16);
}

/** A name is a preset's or a tool's cache name (`tool-<tool>`). */
function resolvePreset(preset: Installable | string): Installable {
  if (typeof preset !== 'string') return preset;
  const found = getPreset(preset) ?? TOOLS.find((t) => t.name === preset);
  if (!found) throw new Error(`unknown preset: ${preset}`);
  return found;
}
