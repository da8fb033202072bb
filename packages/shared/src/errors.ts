/**
 * Every error the API can answer with. One source of truth: the daemon maps codes to
 * HTTP statuses from here, the OpenAPI document lists them, and clients switch on `code`.
 */
export const ERROR_CODES = {
  bad_request: { status: 400, description: 'The request is malformed or fails its schema.' },
  unknown_field: {
    status: 400,
    description: 'The body carries a field the route does not accept.',
  },
  invalid_path: {
    status: 400,
    description: 'A path is empty, absolute outside the workspace, or escapes it.',
  },
  path_denied: { status: 403, description: 'The path is on the mandatory deny list for writes.' },
  limit_exceeded: {
    status: 400,
    description:
      'A requested limit is above the admin-set maximum, or the sandbox would take its owner past a quota (running sandboxes, memory, CPU, disk); details name the quota, what was asked, what is used and the limit.',
  },
  env_name_looks_secret: {
    status: 400,
    description: 'Sandbox-level env may not carry credential-like names; pass them per exec.',
  },
  unauthorized: { status: 401, description: 'Missing or invalid bearer token.' },
  forbidden: { status: 403, description: 'The token may not do this.' },
  not_found: { status: 404, description: 'No such resource for this owner.' },
  route_not_found: { status: 404, description: 'No such route.' },
  host_not_allowed: {
    status: 421,
    description:
      'The Host header names no host the console and the API are served on (the loopback names at the daemon port, the listen host, PADDOCK_PUBLIC_URL): a DNS rebinding page or a misconfigured proxy.',
  },
  method_not_allowed: { status: 405, description: 'The route does not accept this method.' },
  conflict: { status: 409, description: 'The resource is in a state that does not allow this.' },
  sandbox_not_running: { status: 409, description: 'The sandbox must be running for this.' },
  already_exists: { status: 409, description: 'The target already exists.' },
  payload_too_large: { status: 413, description: 'The body is larger than the route allows.' },
  unsupported_media_type: { status: 415, description: 'The content type is not accepted here.' },
  file_not_found: { status: 404, description: 'No file or directory at that path.' },
  range_not_satisfiable: {
    status: 416,
    description: 'The Range header asks for bytes outside the file, or for several ranges.',
  },
  not_a_directory: { status: 400, description: 'The path is not a directory.' },
  is_a_directory: { status: 400, description: 'The path is a directory.' },
  directory_not_empty: { status: 409, description: 'The directory is not empty.' },
  no_space: { status: 507, description: 'The sandbox workspace disk is full.' },
  process_not_found: { status: 404, description: 'No such background command or process.' },
  preset_not_found: { status: 400, description: 'No preset by that name; see GET /v1/presets.' },
  confirmation_required: {
    status: 400,
    description: 'A destructive operation needs its explicit confirmation parameter.',
  },
  port_unreachable: {
    status: 502,
    description: 'Nothing listens on that port inside the sandbox.',
  },
  dependency_install_failed: {
    status: 502,
    description: "Installing a preset's dependencies into the shared cache failed.",
  },
  invalid_archive: {
    status: 400,
    description:
      'An uploaded archive is malformed or unsafe (a path escaping its root, an absolute path, a device file or hard link, a duplicate entry).',
  },
  package_invalid: {
    status: 400,
    description:
      'An app package is not a readable zip, or its entries do not match what its central directory says (sizes, compression method, a name that is not UTF-8).',
  },
  package_unsafe_path: {
    status: 400,
    description:
      'An app package entry has an unsafe name: empty, absolute, a `..` or `.` segment, a backslash, a control character, or too long.',
  },
  package_special_entry: {
    status: 400,
    description:
      'An app package holds a symlink, device, FIFO or other entry that is neither a regular file nor a directory.',
  },
  package_duplicate_entry: {
    status: 400,
    description:
      'Two app package entries have the same name, names that differ only in case or Unicode normalization, or a file is used as a directory.',
  },
  package_native_code: {
    status: 400,
    description:
      'An app package holds native code (a .node, .so, .dll, .exe or .dylib file, or ELF, Mach-O or PE bytes).',
  },
  package_node_modules: {
    status: 400,
    description:
      'An app package holds a node_modules directory; packages carry sources, and dependencies are installed.',
  },
  package_encrypted: { status: 400, description: 'An app package holds an encrypted entry.' },
  package_manifest_missing: {
    status: 400,
    description: 'An app package has no paddock-app.json at its root.',
  },
  package_too_large: {
    status: 413,
    description:
      'An app package has too many entries, an entry larger than allowed, or more bytes in all than allowed.',
  },
  package_bomb: {
    status: 413,
    description:
      'An app package compresses more than the allowed ratio, gives more bytes than it declares, or shares compressed data between entries.',
  },
  snapshot_failed: {
    status: 422,
    description:
      'Capturing the workspace failed; the snapshot is kept with status failed and the reason.',
  },
  snapshot_quota_exceeded: {
    status: 409,
    description:
      "The owner's snapshots would describe more bytes than the snapshot_storage_mb setting allows; delete some first. Nothing was kept.",
  },
  snapshot_not_ready: {
    status: 409,
    description: 'The snapshot is not ready (still capturing, or its capture failed).',
  },
  reserved_config_key: {
    status: 400,
    description:
      'The config key is reserved for the runtime (PATH, HOME, PORT, HOST, PADDOCK_*, LD_*, NODE_OPTIONS).',
  },
  secrets_key_mismatch: {
    status: 503,
    description:
      'The secrets master key is not the one the stored secrets were sealed with (lost or changed PADDOCK_SECRETS_KEY or key file).',
  },
  filestore_unavailable: {
    status: 502,
    description:
      "The filestore's storage backend failed or could not be reached (the S3 error's name in details; never a credential).",
  },
  rate_limited: {
    status: 429,
    description:
      'Too many requests from this credential or address (or to this preview); retry after the Retry-After header’s seconds.',
  },
  capability_required: {
    status: 403,
    description:
      'The app does not hold the capability the call needs; details name it and whether the user may grant it.',
  },
  model_error: {
    status: 502,
    description: 'The model API refused or failed the call (its status and type in details).',
  },
  quota_exceeded: {
    status: 413,
    description:
      "The write would take the app's data, or the owner's filestores, beyond its quota; nothing was written.",
  },
  app_version_changed: {
    status: 409,
    description:
      "The app's version in use is no longer the one the call speaks for (it was updated or rolled back since the window opened): open the app again.",
  },
  package_manifest_invalid: {
    status: 400,
    description:
      "The package's paddock-app.json is not valid; the details list each problem with its line and field.",
  },
  package_url_refused: {
    status: 400,
    description:
      'The package URL is not fetched: not https, or it (or a redirect) names or resolves to a loopback, private, link-local or other non-public address.',
  },
  package_fetch_failed: {
    status: 502,
    description: 'Fetching the package URL failed or did not answer 200.',
  },
  package_unsigned: { status: 400, description: 'The package carries no signature file.' },
  package_signature_invalid: {
    status: 400,
    description: "The package's signature does not match its content, or is malformed.",
  },
  package_id_mismatch: {
    status: 400,
    description: "The manifest's id is not the id of the key that signed the package.",
  },
  package_downgrade: {
    status: 409,
    description:
      "The package's version is not above the installed one (an update must carry a higher version).",
  },
  package_not_upgradable: {
    status: 409,
    description:
      "The installed version is below the package's min_upgradable_version: it cannot update from there.",
  },
  capability_forbidden: {
    status: 403,
    description:
      "The package requires, or the call grants, a capability the admin forbids to the app's provenance tier.",
  },
  publisher_key_not_pinnable: {
    status: 409,
    description:
      'The key is one Paddock made for a published build app; such keys are never first-party.',
  },
  publish_manifest_invalid: {
    status: 400,
    description:
      "The app's sandbox.yaml is invalid or has no publish section; the details list each problem with its line.",
  },
  publish_build_failed: {
    status: 409,
    description:
      "The manifest's build failed or timed out in the app's sandbox; the details hold its exit and the end of its output.",
  },
  publish_output_invalid: {
    status: 409,
    description:
      'What the publish section names is not there after the build (the output directory, the entry or the icon), or holds what a package may not (links, node_modules, paddock-app.json, too many or too large files).',
  },
  spend_limit_reached: {
    status: 409,
    description:
      "The app's or owner's model spend this month has reached its limit (the task_spend_limit_* settings).",
  },
  manifest_invalid: {
    status: 400,
    description:
      'A sandbox.yaml given to the API is not valid; the details list each problem with its line and column.',
  },
  import_not_held: {
    status: 409,
    description:
      'The app is not waiting for its import to be confirmed (it was not imported with review, or is already started).',
  },
  git_failed: {
    status: 502,
    description:
      "git could not reach the remote or the remote refused (an unknown repository or ref, missing access, a host the app's egress rules do not allow); the message carries git's last words, with any injected value masked.",
  },
  git_conflict: {
    status: 409,
    description:
      "The remote's changes conflict with the app's, or a push was refused as not a fast-forward; nothing was changed. Push with force, or resolve in the workspace.",
  },
  sandbox_unavailable: { status: 503, description: 'The sandbox did not answer in time.' },
  too_many_connections: {
    status: 503,
    description:
      'The daemon holds as many client connections as its open-file limit allows; the connection is closed after this answer. Retry shortly.',
  },
  daemon_stopping: {
    status: 503,
    description:
      'The daemon is stopping (SIGTERM) and its drain deadline passed: a stream or terminal still open was ended with this code (a final `error` event, or WebSocket close 1001). Reconnect once it is back.',
  },
  agent_error: {
    status: 502,
    description:
      'The guest agent gave an answer that is not valid (too large, malformed, or a server error).',
  },
  insufficient_storage: {
    status: 507,
    description:
      "The host's disk is too full: for the requested workspace size, or for a write to the data dir (the write was not made; it can be retried once space returns).",
  },
  uri_too_long: { status: 414, description: 'A path segment or the URL is too long.' },
  driver_error: {
    status: 502,
    description: 'The sandbox driver failed to carry out the operation.',
  },
  internal: { status: 500, description: 'An unexpected error; it is logged with a request id.' },
} as const satisfies Record<string, { status: number; description: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

/** An error that carries a stable code; the daemon renders it as `{error: {code, message}}`. */
export class PaddockError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'PaddockError';
    this.code = code;
    this.details = details;
  }
  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
