import type { Static, TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';

/*
 * Answers are checked against the protocol's schemas (extra fields pass), so a reply that is an
 * object but not the expected one is agent_error here, not a crash or a 500 further on in the
 * daemon. Each schema is compiled on its first use, once per daemon, not at import.
 */
const compiled = new WeakMap<TSchema, Validator>();

export function conforms<T extends TSchema>(schema: T, value: unknown): value is Static<T> {
  let validator = compiled.get(schema);
  if (!validator) {
    validator = Compile(schema);
    compiled.set(schema, validator);
  }
  return validator.Check(value);
}
