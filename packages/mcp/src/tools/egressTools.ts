import type { EgressPolicy, Paddock } from '@paddock/sdk';
import { Type } from 'typebox';
import { sandboxOf, targeted } from '../target.js';
import { reply, tool } from '../tool.js';

const Hosts = Type.Array(Type.String({ minLength: 1 }), {
  minItems: 1,
  description: 'Host patterns, e.g. api.example.com or *.example.com',
});

/** An app's own policy (kept across its sandboxes) or one sandbox's. */
async function egressOf(
  pd: Paddock,
  args: { app_id?: string; sandbox_id?: string },
  signal: AbortSignal,
) {
  if (args.app_id !== undefined && args.sandbox_id === undefined) {
    return (await pd.apps.get(args.app_id, { signal })).egress;
  }
  return (await sandboxOf(pd, args, signal)).egress;
}

function policyReply(policy: EgressPolicy) {
  const text = `allow: ${policy.allow.join(', ') || '(none)'}\ndeny: ${policy.deny.join(', ') || '(none)'}`;
  return reply(text, { allow: policy.allow, deny: policy.deny });
}

export const egressTools = [
  tool({
    name: 'egress_allow',
    title: 'Allow network hosts',
    description:
      "Lets an app's (or a sandbox's) programs connect to these hosts, beyond its manifest's " +
      'baseline. Use it when a command fails to reach a host it needs (package registries the ' +
      'preset uses are allowed already). Returns the own allow and deny lists.',
    input: targeted({ hosts: Hosts }),
    run: async (args, { pd, signal }) =>
      policyReply(await (await egressOf(pd, args, signal)).allow(args.hosts, { signal })),
  }),
  tool({
    name: 'egress_deny',
    title: 'Deny network hosts',
    description:
      "Refuses connections from an app's (or a sandbox's) programs to these hosts; a deny wins " +
      'over any allow. Returns the own allow and deny lists.',
    input: targeted({ hosts: Hosts }),
    run: async (args, { pd, signal }) =>
      policyReply(await (await egressOf(pd, args, signal)).deny(args.hosts, { signal })),
  }),
];
