import type { Paddock, Sandbox } from '@paddock/sdk';
import { Type, type TProperties } from 'typebox';

/** Where a tool acts: an app (its current sandbox, woken if it sleeps) or a sandbox by id. */
const TARGET = {
  app_id: Type.Optional(Type.String({ description: "An app's id: act in the app's sandbox" })),
  sandbox_id: Type.Optional(Type.String({ description: "A sandbox's id (or give app_id)" })),
};

/** A tool's input that names its target (app_id or sandbox_id) beside its own fields. */
export function targeted<P extends TProperties>(properties: P) {
  return Type.Object({ ...TARGET, ...properties }, { additionalProperties: false });
}

/** Input the schema cannot express (exactly one of app_id and sandbox_id): a tool error. */
export class InputError extends Error {}

/** The sandbox a tool's input names; an app's is woken (or made anew) when it sleeps. */
export async function sandboxOf(
  pd: Paddock,
  args: { app_id?: string; sandbox_id?: string },
  signal: AbortSignal,
): Promise<Sandbox> {
  if ((args.app_id === undefined) === (args.sandbox_id === undefined)) {
    throw new InputError('give exactly one of app_id and sandbox_id');
  }
  if (args.sandbox_id !== undefined) return pd.sandboxes.connect(args.sandbox_id);
  const app = await pd.apps.get(args.app_id!, { signal });
  return app.sandbox({ signal });
}
