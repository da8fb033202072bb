// Whether an app can run an agent: the CLI reads its model API key from a variable of the app's
// config that agent tasks get (access policy agent_access or both). The daemon checks exactly
// that before a run (and the task log says so when it is missing); this says it before asking.
import type { ConfigEntry } from '@paddock/shared';
import {
  agentKeyVariable,
  modelKeyInjection,
  type AgentProvider,
  type ModelKeyInjection,
} from '@paddock/shared/browser';

export type AgentReadiness =
  /** The key is there for agents. */
  | { state: 'ready'; variable: string }
  /** No such key, or one without a value. */
  | { state: 'missing'; variable: string; injection: ModelKeyInjection | null }
  /** The key exists but agent tasks do not get it. */
  | { state: 'not_for_agents'; variable: string; policy: ConfigEntry['access_policy'] }
  /** A secret the agent sees only as a placeholder, and no rule puts it into its requests. */
  | { state: 'no_injection'; variable: string; injection: ModelKeyInjection };

function covers(entry: ConfigEntry, needed: ModelKeyInjection): boolean {
  const rule = entry.inject;
  if (!rule) return false;
  return needed.hosts.every((host) => rule.hosts.includes(host));
}

export function agentReadiness(
  provider: AgentProvider,
  model: string,
  config: readonly ConfigEntry[],
): AgentReadiness {
  const variable = agentKeyVariable(provider, model.trim() === '' ? undefined : model.trim());
  const injection = modelKeyInjection(variable);
  const entry = config.find((e) => e.key === variable);
  if (!entry || !entry.value_set) return { state: 'missing', variable, injection };
  if (entry.access_policy !== 'agent_access' && entry.access_policy !== 'both') {
    return { state: 'not_for_agents', variable, policy: entry.access_policy };
  }
  if (entry.sensitive && injection && !covers(entry, injection)) {
    return { state: 'no_injection', variable, injection };
  }
  return { state: 'ready', variable };
}

/** True when a run would start without its key: the daemon would run the CLI to no purpose. */
export function blocksRun(readiness: AgentReadiness): boolean {
  return readiness.state === 'missing' || readiness.state === 'not_for_agents';
}

/** What an agent needs, in one sentence: "claude-code needs ANTHROPIC_API_KEY: …". */
export function readinessMessage(provider: AgentProvider, readiness: AgentReadiness): string {
  const { variable } = readiness;
  switch (readiness.state) {
    case 'ready':
      return `${provider} is configured: ${variable} is in the app's config for agents.`;
    case 'missing':
      return `${provider} needs ${variable}: add it in the app's config.`;
    case 'not_for_agents':
      return (
        `${provider} needs ${variable}, which the app's config has for ` +
        `${readiness.policy.replace(/_/g, ' ')} only: change its access policy to agent_access or both.`
      );
    case 'no_injection':
      return (
        `${variable} is a secret without an injection rule for ${readiness.injection.hosts.join(', ')}: ` +
        `${provider} would send a placeholder instead of the key. Add the rule to the config entry.`
      );
  }
}

/**
 * The request that adds or fixes the key, for the "how" of a missing or incomplete one: the
 * console does not edit config yet, and a secret is best pasted into a terminal anyway.
 */
export function configCommand(
  origin: string,
  appId: string,
  readiness: AgentReadiness,
): string | null {
  const config = `${origin}/v1/apps/${appId}/config`;
  let method: string;
  let url: string;
  let body: Record<string, unknown>;
  switch (readiness.state) {
    case 'ready':
      return null;
    case 'missing': {
      const rule = readiness.injection;
      method = 'POST';
      url = config;
      body = {
        key: readiness.variable,
        value: '<your key>',
        sensitive: true,
        access_policy: 'agent_access',
        ...(rule
          ? { inject: { hosts: rule.hosts, header: rule.header, format: rule.format } }
          : {}),
      };
      break;
    }
    case 'not_for_agents':
      method = 'PATCH';
      url = `${config}/${readiness.variable}`;
      // An app that reads the key at run time keeps it.
      body = { access_policy: readiness.policy === 'runtime_access' ? 'both' : 'agent_access' };
      break;
    case 'no_injection': {
      const rule = readiness.injection;
      method = 'PATCH';
      url = `${config}/${readiness.variable}`;
      body = { inject: { hosts: rule.hosts, header: rule.header, format: rule.format } };
      break;
    }
  }
  return [
    `curl -s -H "authorization: Bearer $PADDOCK_TOKEN" -H 'content-type: application/json' \\`,
    `     -X ${method} ${url} \\`,
    `     -d '${JSON.stringify(body)}'`,
  ].join('\n');
}
