import { Type, type Static } from 'typebox';
import { ERROR_CODES } from '../errors.js';
import { PTY_LIMITS, PTY_SIGNALS } from '../agent/pty.js';
import { strict } from './common.js';
import { WorkspacePath } from './files.js';

const Cols = Type.Integer({ minimum: 1, maximum: PTY_LIMITS.maxCols });
const Rows = Type.Integer({ minimum: 1, maximum: PTY_LIMITS.maxRows });

/** How a terminal opens: its size, directory and shell. No environment: a URL is logged. */
export const PtyQuery = Type.Object(
  {
    cols: Type.Optional({ ...Cols, default: PTY_LIMITS.defaultCols }),
    rows: Type.Optional({ ...Rows, default: PTY_LIMITS.defaultRows }),
    cwd: Type.Optional({
      ...WorkspacePath,
      description: 'The working directory (default: the workspace)',
    }),
    shell: Type.Optional(
      Type.String({
        pattern: '^/[A-Za-z0-9._+/-]{1,255}$',
        description: 'An absolute path to the shell (default: /bin/bash, else /bin/sh)',
      }),
    ),
  },
  strict,
);
export type PtyQuery = Static<typeof PtyQuery>;

/** Client → daemon, as a text message. (The runtime check is `parsePtyInput`, agent/pty.ts.) */
export const PtyInputMessage = Type.Union([
  Type.Object({ type: Type.Literal('resize'), cols: Cols, rows: Rows }, strict),
  Type.Object({ type: Type.Literal('signal'), signal: Type.Enum(PTY_SIGNALS) }, strict),
  Type.Object({ type: Type.Literal('eof') }, strict),
]);

/** Daemon → client, as a text message. */
export const PtyOutputMessage = Type.Union([
  Type.Object({
    type: Type.Literal('exit'),
    code: Type.Union([Type.Integer(), Type.Null()]),
    signal: Type.Union([Type.String(), Type.Null()]),
  }),
  Type.Object({
    type: Type.Literal('error'),
    code: Type.Enum(Object.keys(ERROR_CODES)),
    message: Type.String(),
  }),
]);
