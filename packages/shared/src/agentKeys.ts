/**
 * Where each agent CLI finds its model API key: the config variable it reads (the key itself is
 * a sensitive value of the app's config, `agent_access` or `both`, never task input), and the
 * injection rule the well-known ones need. The task providers in @paddock/agents read their
 * variable from here, and the console says from here which agents an app can run; no schemas,
 * so a browser bundle takes this file alone.
 */

/** The agent CLIs a task can run (the API's `provider` besides `command`). */
export const AGENT_PROVIDERS = ['claude-code', 'codex', 'opencode'] as const;
export type AgentProvider = (typeof AGENT_PROVIDERS)[number];

/**
 * opencode's variable per model provider, as in the models.dev catalog opencode ships. Most
 * follow `<PROVIDER>_API_KEY`; these do not, or are common enough to pin.
 */
const OPENCODE_KEY_VARIABLES: Record<string, string> = {
  anthropic: 'ANTHROPIC_API_KEY',
  openai: 'OPENAI_API_KEY',
  google: 'GOOGLE_GENERATIVE_AI_API_KEY',
  openrouter: 'OPENROUTER_API_KEY',
  opencode: 'OPENCODE_API_KEY',
  'fireworks-ai': 'FIREWORKS_API_KEY',
  moonshotai: 'MOONSHOT_API_KEY',
  alibaba: 'DASHSCOPE_API_KEY',
};

/**
 * opencode's models are named `provider/model`. With no model, opencode picks one from the
 * providers it has a key for; Anthropic's is the one looked for.
 */
export function opencodeKeyVariable(model: string | undefined): string {
  const slash = model?.indexOf('/') ?? -1;
  const provider = model !== undefined && slash > 0 ? model.slice(0, slash) : 'anthropic';
  // Own keys only: a provider named like an Object.prototype member must not find one.
  if (Object.hasOwn(OPENCODE_KEY_VARIABLES, provider)) return OPENCODE_KEY_VARIABLES[provider]!;
  return `${provider.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_API_KEY`;
}

/** The config variable an agent CLI reads its model API key from, for this model (if any). */
export function agentKeyVariable(provider: AgentProvider, model?: string): string {
  switch (provider) {
    case 'claude-code':
      return 'ANTHROPIC_API_KEY';
    case 'codex':
      // What `codex exec` reads, through the model provider the task configures.
      return 'CODEX_API_KEY';
    case 'opencode':
      return opencodeKeyVariable(model === '' ? undefined : model);
  }
}

/** How the egress proxy puts a model API key into the CLI's requests (an `inject` rule). */
export interface ModelKeyInjection {
  hosts: string[];
  header: string;
  format: string;
}

const INJECTIONS: Record<string, ModelKeyInjection> = {
  ANTHROPIC_API_KEY: { hosts: ['api.anthropic.com'], header: 'x-api-key', format: '{value}' },
  CODEX_API_KEY: { hosts: ['api.openai.com'], header: 'Authorization', format: 'Bearer {value}' },
  OPENAI_API_KEY: { hosts: ['api.openai.com'], header: 'Authorization', format: 'Bearer {value}' },
};

/** The injection rule a key variable needs, for the model APIs Paddock documents; else null. */
export function modelKeyInjection(variable: string): ModelKeyInjection | null {
  return Object.hasOwn(INJECTIONS, variable) ? INJECTIONS[variable]! : null;
}
