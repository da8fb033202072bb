import { Type } from 'typebox';

/** Environment variable names as POSIX shells accept them. */
const ENV_NAME = '^[A-Za-z_][A-Za-z0-9_]{0,127}$';
export const EnvName = Type.String({ pattern: ENV_NAME });
// propertyNames, not a pattern key: a pattern key only types matching keys and lets others by.
// A NUL byte cannot cross execve(2), so a value carrying one is refused here, not at every exec.
export const EnvMap = Type.Record(
  Type.String(),
  Type.String({ maxLength: 32768, pattern: '^[^\\u0000]*$' }),
  {
    maxProperties: 256,
    propertyNames: { pattern: ENV_NAME },
  },
);
