// The shapes of the /v1 API that the console reads. Hand-written from the API contract; the
// daemon may send more fields than these, which the console ignores.

export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export interface Session {
  owner: string;
  admin: boolean;
}

export interface Preset {
  name: string;
  title: string;
  description: string;
  /** False for a worker-only preset: no web process and no preview. */
  web: boolean;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export type SandboxStatus = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';
export type PreviewStatus = 'starting' | 'ready' | 'down' | 'none';
export type ProcessStatus = 'starting' | 'running' | 'backoff' | 'failed' | 'stopped';
export type ProcessHealth = 'starting' | 'ready' | 'down';

export interface Process {
  name: string;
  kind: 'web' | 'worker';
  status: ProcessStatus;
  pid: number | null;
  restarts: number;
  since: string;
  exit_code: number | null;
  health: ProcessHealth | null;
}

export interface ManifestIssue {
  line: number;
  column: number;
  /** e.g. `workers[1].name`; empty for the whole document. */
  path: string;
  message: string;
}

export interface Sandbox {
  id: string;
  status: SandboxStatus;
  status_reason: string | null;
  last_active_at: string | null;
  keepalive_until: string | null;
  preview: { url: string | null; status: PreviewStatus };
  processes: Process[];
  manifest: { source: 'workspace' | 'preset'; errors: ManifestIssue[] };
}

export interface App {
  id: string;
  name: string;
  preset: string;
  public: boolean;
  created_at: string;
  updated_at: string;
  sandbox: Sandbox | null;
}

export interface CreateAppBody {
  name: string;
  preset: string;
}

export interface UpdateAppBody {
  name?: string;
  public?: boolean;
}

export interface LogTail {
  output: string;
  truncated: boolean;
}
