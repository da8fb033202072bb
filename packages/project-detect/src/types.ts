import type { PackageManager, ProjectKind } from '@paddock/shared';

export interface ProjectReader {
  /** A file's text, or null when absent (or not a regular file). Paths are relative to the project root, '/'-separated. */
  readText(path: string): Promise<string | null>;
  /** Entry names (not paths) in a directory ('' is the root); [] when absent. */
  list(dir: string): Promise<string[]>;
}

export interface DetectOptions {
  /** sha256 (hex) of a preset's package-lock.json → the preset's name: a project whose lockfile is byte-equal uses that preset's shared dependency cache. */
  presetLockfiles: ReadonlyMap<string, string>;
}

/** How a recognised project runs: what the proposed sandbox.yaml is written from. */
export interface RunPlan {
  kind: ProjectKind;
  /** Absent: the project has no web process (a worker-only or unrecognised project). */
  web?: {
    command: string;
    port: number;
    health_path: string;
    /** True when the server does not reload on its own, so a task's changes need a restart. */
    restart_after_task: boolean;
  };
  /** Absent: nothing to build (written as `command: ''`, so no preset's default applies). */
  build?: { command: string; timeout_seconds: number };
  workers: { name: string; command: string; restart_after_task: boolean }[];
  notes: string[];
}

/** A detector's answer: `framework` when a known framework was seen, `generic` when only a runnable entry was. */
export interface Candidate {
  strength: 'framework' | 'generic';
  ecosystem: 'node' | 'python';
  plan: RunPlan;
}

export type { PackageManager, ProjectKind };
