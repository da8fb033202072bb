import { Type, type Static, type TSchema } from 'typebox';
import { Capability } from '../capabilities.js';
import { AppId } from './apps.js';
import { AGENT_PROVIDERS } from '../agentKeys.js';
import { TaskStatus } from './tasks.js';
import { Timestamp, strict } from './common.js';

/**
 * The capability broker's vocabulary: every method an app may call, what it takes and what it
 * answers. The broker validates against these, the OpenAPI document lists them and
 * `@paddock/app-sdk` takes its types from them: one source of truth per method.
 */

/** The header the console sends with a window's broker calls; never something the app holds. */
export const APP_SESSION_HEADER = 'x-paddock-app-session';

/** Bounds on what one call carries (the bridge and HTTP alike). */
export const BROKER_LIMITS = {
  keyLength: 512,
  /** A kv value or a table document, as JSON text. */
  valueBytes: 256 * 1024,
  /** A file's content in one call, before base64. */
  fileBytes: 8 * 1024 * 1024,
  pageSize: 100,
  maxPageSize: 1000,
  tableNameLength: 64,
  filterClauses: 16,
  notificationChars: 2000,
  /** One message of an app.llm call, or its system prompt. */
  llmChars: 100_000,
} as const;

const Key = Type.String({ minLength: 1, maxLength: BROKER_LIMITS.keyLength });
const Json = Type.Unknown({ description: 'Any JSON value' });
const Cursor = Type.Union([Type.String({ maxLength: 1024 }), Type.Null()], {
  description: 'Where the next page starts; null when there is none',
});
const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: BROKER_LIMITS.maxPageSize }));
const TableName = Type.String({
  pattern: '^[A-Za-z_][A-Za-z0-9_-]{0,63}$',
  description: 'A table of the app: letters, digits, _ and -',
});
const DocId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
/** A dotted path into a document: `status` or `author.name`. */
const FieldPath = Type.String({
  pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}(\\.[A-Za-z_][A-Za-z0-9_]{0,63}){0,7}$',
});
const FilePath = Type.String({
  minLength: 1,
  maxLength: 1024,
  pattern: '^(?!/)(?!.*(^|/)\\.\\.?(/|$))[^\\x00]+$',
  description: 'A relative path in the app\u2019s filestore: no leading /, no . or .. segments',
});

const Empty = Type.Object({}, strict);

export const TableFilter = Type.Object(
  {
    field: FieldPath,
    op: Type.Enum(['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'contains']),
    value: Json,
  },
  strict,
);

export const StoredFile = Type.Object({
  path: Type.String(),
  size: Type.Integer(),
  mime: Type.String(),
  modified_at: Timestamp,
});

/**
 * A file of the app, streamed over HTTP (`/v1/broker/files`): the same capability and checks as
 * `app.files.read`/`write`, without base64 or the per-call cap. A write is bounded by the app's
 * quota only; `mime` defaults to the request's content type, then to the path's extension.
 */
export const BrokerFileQuery = Type.Object({ path: FilePath }, strict);
export type BrokerFileQuery = Static<typeof BrokerFileQuery>;
export const BrokerFileWriteQuery = Type.Object(
  { path: FilePath, mime: Type.Optional(Type.String({ maxLength: 255 })) },
  strict,
);
export type BrokerFileWriteQuery = Static<typeof BrokerFileWriteQuery>;
export type StoredFile = Static<typeof StoredFile>;

/** Each method: the capability it needs, its params and its result. */
export const BROKER_METHODS = {
  'app.kv.get': {
    capability: 'app.kv',
    params: Type.Object({ key: Key }, strict),
    result: Type.Object({ found: Type.Boolean(), value: Json }),
  },
  'app.kv.set': {
    capability: 'app.kv',
    params: Type.Object({ key: Key, value: Json }, strict),
    result: Empty,
  },
  'app.kv.delete': {
    capability: 'app.kv',
    params: Type.Object({ key: Key }, strict),
    result: Type.Object({ deleted: Type.Boolean() }),
  },
  'app.kv.list': {
    capability: 'app.kv',
    params: Type.Object(
      {
        prefix: Type.Optional(Type.String({ maxLength: 512 })),
        cursor: Type.Optional(Cursor),
        limit: Limit,
      },
      strict,
    ),
    result: Type.Object({
      items: Type.Array(Type.Object({ key: Type.String(), value: Json })),
      next_cursor: Cursor,
    }),
  },
  'app.table.insert': {
    capability: 'app.table',
    params: Type.Object({ table: TableName, doc: Type.Record(Type.String(), Json) }, strict),
    result: Type.Object({ id: Type.String() }),
  },
  'app.table.get': {
    capability: 'app.table',
    params: Type.Object({ table: TableName, id: DocId }, strict),
    result: Type.Object({ found: Type.Boolean(), doc: Json }),
  },
  'app.table.query': {
    capability: 'app.table',
    params: Type.Object(
      {
        table: TableName,
        where: Type.Optional(Type.Array(TableFilter, { maxItems: BROKER_LIMITS.filterClauses })),
        order_by: Type.Optional(
          Type.Object(
            { field: FieldPath, direction: Type.Optional(Type.Enum(['asc', 'desc'])) },
            strict,
          ),
        ),
        cursor: Type.Optional(Cursor),
        limit: Limit,
      },
      strict,
    ),
    result: Type.Object({
      items: Type.Array(Type.Object({ id: Type.String(), doc: Json })),
      next_cursor: Cursor,
    }),
  },
  'app.table.update': {
    capability: 'app.table',
    params: Type.Object(
      {
        table: TableName,
        id: DocId,
        doc: Type.Record(Type.String(), Json, {
          description: 'Fields to set (merge); a null value removes the field',
        }),
      },
      strict,
    ),
    result: Type.Object({ updated: Type.Boolean() }),
  },
  'app.table.delete': {
    capability: 'app.table',
    params: Type.Object({ table: TableName, id: DocId }, strict),
    result: Type.Object({ deleted: Type.Boolean() }),
  },
  'app.files.read': {
    capability: 'app.files',
    params: Type.Object({ path: FilePath }, strict),
    result: Type.Object({
      content_base64: Type.String(),
      mime: Type.String(),
      size: Type.Integer(),
    }),
  },
  'app.files.write': {
    capability: 'app.files',
    params: Type.Object(
      {
        path: FilePath,
        content_base64: Type.String({ maxLength: Math.ceil(BROKER_LIMITS.fileBytes / 3) * 4 }),
        mime: Type.Optional(Type.String({ maxLength: 255 })),
      },
      strict,
    ),
    result: StoredFile,
  },
  'app.files.list': {
    capability: 'app.files',
    params: Type.Object(
      {
        prefix: Type.Optional(Type.String({ maxLength: 1024 })),
        cursor: Type.Optional(Cursor),
        limit: Limit,
      },
      strict,
    ),
    result: Type.Object({ items: Type.Array(StoredFile), next_cursor: Cursor }),
  },
  'app.files.delete': {
    capability: 'app.files',
    params: Type.Object({ path: FilePath }, strict),
    result: Type.Object({ deleted: Type.Boolean() }),
  },
  'app.notify': {
    capability: 'app.notify',
    params: Type.Object(
      {
        title: Type.String({ minLength: 1, maxLength: 200 }),
        body: Type.Optional(Type.String({ maxLength: BROKER_LIMITS.notificationChars })),
      },
      strict,
    ),
    result: Type.Object({ id: Type.String() }),
  },
  'app.llm.complete': {
    capability: 'app.llm',
    params: Type.Object(
      {
        messages: Type.Array(
          Type.Object(
            {
              role: Type.Enum(['user', 'assistant']),
              content: Type.String({ minLength: 1, maxLength: BROKER_LIMITS.llmChars }),
            },
            strict,
          ),
          { minItems: 1, maxItems: 64 },
        ),
        system: Type.Optional(Type.String({ maxLength: BROKER_LIMITS.llmChars })),
        max_tokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096 })),
      },
      strict,
    ),
    result: Type.Object({
      text: Type.String(),
      stop_reason: Type.Union([Type.String(), Type.Null()]),
      usage: Type.Object({ input_tokens: Type.Integer(), output_tokens: Type.Integer() }),
    }),
  },
  'app.agent.start': {
    capability: 'app.agent',
    params: Type.Object(
      {
        app_id: AppId,
        prompt: Type.String({ minLength: 1, maxLength: 64 * 1024 }),
        provider: Type.Optional(Type.Enum([...AGENT_PROVIDERS])),
      },
      strict,
    ),
    result: Type.Object({ task_id: Type.String(), status: TaskStatus }),
  },
  'app.agent.read': {
    capability: 'app.agent',
    params: Type.Object(
      {
        task_id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
        after: Type.Optional(
          Type.Integer({
            minimum: 0,
            maximum: Number.MAX_SAFE_INTEGER,
            description: 'Where the last read ended',
          }),
        ),
      },
      strict,
    ),
    result: Type.Object({
      status: TaskStatus,
      text: Type.String({ description: 'The log from `after`, at most 64 KiB' }),
      next: Type.Integer({ description: 'Pass as `after` to read on' }),
      done: Type.Boolean({ description: 'The task ended and the log is read to its end' }),
      build_status: Type.Union([Type.Enum(['passed', 'failed', 'skipped']), Type.Null()]),
      files_changed: Type.Union([Type.Integer(), Type.Null()]),
    }),
  },
} as const satisfies Record<string, { capability: string; params: TSchema; result: TSchema }>;

export type BrokerMethod = keyof typeof BROKER_METHODS;
export const BROKER_METHOD_NAMES = Object.keys(BROKER_METHODS) as BrokerMethod[];
export type BrokerParams<M extends BrokerMethod> = Static<(typeof BROKER_METHODS)[M]['params']>;
export type BrokerResult<M extends BrokerMethod> = Static<(typeof BROKER_METHODS)[M]['result']>;

export const BrokerCallBody = Type.Object(
  {
    method: Type.Enum([...BROKER_METHOD_NAMES], { description: 'What to call, e.g. app.kv.get' }),
    params: Type.Optional(
      Type.Record(Type.String(), Json, { description: "The method's params (see its schema)" }),
    ),
  },
  { ...strict, $id: 'BrokerCall' },
);
export type BrokerCallBody = Static<typeof BrokerCallBody>;

export const BrokerCallResult = Type.Object(
  { result: Json },
  { $id: 'BrokerCallResult', description: "The method's result (see its schema)" },
);
export type BrokerCallResult = Static<typeof BrokerCallResult>;

/** What a refusal for a missing capability carries in `details`, so the app can ask for it. */
export const CapabilityRequiredDetails = Type.Object({
  capability: Capability,
  method: Type.String(),
  /** Whether the user may still grant it (false when the admin forbids it to the tier). */
  grantable: Type.Boolean(),
});
export type CapabilityRequiredDetails = Static<typeof CapabilityRequiredDetails>;

/** Opening an app's window: where its bundle is and the session the console calls with. */
export const LaunchResult = Type.Object(
  {
    url: Type.String({
      description: "The bundle's entry on the app's own origin, with its token in the path",
    }),
    origin: Type.String({ description: "The app's origin, for checking message sources" }),
    app_session: Type.String({
      description: `Sent as ${APP_SESSION_HEADER} with the window's broker calls`,
    }),
    expires_at: Timestamp,
  },
  { $id: 'LaunchResult' },
);
export type LaunchResult = Static<typeof LaunchResult>;

/** A notification an app made with `app.notify`, as the desktop lists it. */
export const AppNotification = Type.Object(
  {
    id: Type.String(),
    app_id: Type.String(),
    title: Type.String(),
    body: Type.String(),
    created_at: Timestamp,
    read: Type.Boolean(),
  },
  { $id: 'AppNotification' },
);
export type AppNotification = Static<typeof AppNotification>;

export const NotificationListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 128 })),
    unread: Type.Optional(Type.Boolean({ description: 'Only the unread ones', default: false })),
  },
  strict,
);
export type NotificationListQuery = Static<typeof NotificationListQuery>;

export const NotificationPage = Type.Object(
  { items: Type.Array(AppNotification), next_cursor: Cursor },
  { $id: 'NotificationPage' },
);
export type NotificationPage = Static<typeof NotificationPage>;

export const NotificationParams = Type.Object(
  { id: Type.String({ pattern: '^ntf[0-9a-z]{26}$' }) },
  strict,
);

/** What an app's data takes, against its quota (the `userspace_data_quota_bytes` setting). */
export const AppDataUsage = Type.Object(
  {
    app_id: Type.String(),
    kv_bytes: Type.Integer({ minimum: 0 }),
    table_bytes: Type.Integer({ minimum: 0 }),
    files_bytes: Type.Integer({ minimum: 0 }),
    used_bytes: Type.Integer({ minimum: 0 }),
    quota_bytes: Type.Integer({ minimum: 0 }),
  },
  { $id: 'AppDataUsage' },
);
export type AppDataUsage = Static<typeof AppDataUsage>;

/** What a `quota_exceeded` refusal carries in `details`. */
export const QuotaExceededDetails = Type.Object({
  quota_bytes: Type.Integer(),
  used_bytes: Type.Integer(),
  needed_bytes: Type.Integer(),
});
export type QuotaExceededDetails = Static<typeof QuotaExceededDetails>;
