import { useId, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { ConfigEntry, CreateTaskBody, Task } from '@paddock/shared';
import { AGENT_PROVIDERS, type AgentProvider } from '@paddock/shared/browser';
import { ApiError } from '../api/client.js';
import { useAppConfig } from '../api/config.js';
import { useCreateTask } from '../api/tasks.js';
import {
  agentReadiness,
  blocksRun,
  configCommand,
  readinessMessage,
  type AgentReadiness,
} from '../lib/agentReadiness.js';
import { CopyButton } from './CopyButton.js';
import { ErrorNotice } from './ErrorNotice.js';

type Provider = AgentProvider | 'command';

const PROVIDER_LABEL: Record<Provider, string> = {
  'claude-code': 'Claude Code',
  codex: 'Codex',
  opencode: 'opencode',
  command: 'Command',
};

interface TaskComposerProps {
  appId: string;
  sandboxId: string;
  /** The sandbox runs: tasks can start. */
  running: boolean;
  /** A task is queued or running: a new one waits in line. */
  busy: boolean;
  onStarted: (task: Task) => void;
}

function isAgent(provider: Provider): provider is AgentProvider {
  return provider !== 'command';
}

/** What to do about a failed start, beyond the daemon's own message. */
function startHint(error: unknown): string | null {
  if (!(error instanceof ApiError)) return null;
  switch (error.code) {
    case 'sandbox_not_running':
      return 'Start the app (the button above), then run the task again.';
    case 'spend_limit_reached':
      return 'An admin can raise the task_spend_limit settings, or wait for next month.';
    case 'limit_exceeded':
      return 'Ask for a shorter timeout, or have an admin raise task_timeout_max_seconds.';
    default:
      return null;
  }
}

function AgentNotice({
  appId,
  provider,
  readiness,
}: {
  appId: string;
  provider: AgentProvider;
  readiness: AgentReadiness;
}) {
  const command = configCommand(window.location.origin, appId, readiness);
  return (
    <div
      className={`notice ${readiness.state === 'ready' ? 'notice-ok' : 'notice-warn'}`}
      data-testid="agent-readiness"
      data-state={readiness.state}
    >
      <p>{readinessMessage(provider, readiness)}</p>
      {command && (
        <details className="agent-howto">
          <summary>How to add it</summary>
          <p className="small">
            As a sensitive value (sealed, never shown again) that agent tasks get; the agent sees a
            placeholder and the egress proxy puts the key into its requests. With an API token in{' '}
            <code>PADDOCK_TOKEN</code>:
          </p>
          <pre className="code-block">{command}</pre>
          <CopyButton text={command} label="Copy command" />
        </details>
      )}
    </div>
  );
}

/** Describe a change (or give a script) and run it as a task in the app's sandbox. */
export function TaskComposer({ appId, sandboxId, running, busy, onStarted }: TaskComposerProps) {
  const id = useId();
  const config = useAppConfig(appId);
  const create = useCreateTask(sandboxId);
  const [provider, setProvider] = useState<Provider>('claude-code');
  const [prompt, setPrompt] = useState('');
  const [script, setScript] = useState('');
  const [model, setModel] = useState('');

  const entries: readonly ConfigEntry[] = config.data ?? [];
  const readinessOf = (p: AgentProvider) => agentReadiness(p, p === provider ? model : '', entries);
  const readiness = isAgent(provider) && config.data ? readinessOf(provider) : null;
  const text = isAgent(provider) ? prompt : script;
  const blocked = readiness !== null && blocksRun(readiness);
  const canRun = running && text.trim() !== '' && !blocked && !create.isPending;

  function submit(): void {
    if (!canRun) return;
    const body: CreateTaskBody = isAgent(provider)
      ? { provider, input: { prompt, ...(model.trim() ? { model: model.trim() } : {}) } }
      : { provider: 'command', input: { script } };
    create.mutate(body, {
      onSuccess: (task) => {
        if (isAgent(provider)) setPrompt('');
        else setScript('');
        onStarted(task);
      },
    });
  }

  function handleSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    submit();
  }

  function handleKeyDown(event: KeyboardEvent<HTMLTextAreaElement>): void {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit();
    }
  }

  const why = !running
    ? 'The app is not running: start it to run tasks.'
    : blocked
      ? 'This agent has no model API key yet (see above).'
      : text.trim() === ''
        ? isAgent(provider)
          ? 'Describe the change to run a task.'
          : 'Write a script to run a task.'
        : null;

  return (
    <form className="task-composer" onSubmit={handleSubmit} data-testid="task-composer">
      <fieldset className="provider-picker">
        <legend>Agent</legend>
        {[...AGENT_PROVIDERS, 'command' as const].map((p) => {
          const ready = isAgent(p) && config.data ? readinessOf(p) : null;
          const note =
            p === 'command'
              ? 'a shell script, no model'
              : !config.data
                ? config.isError
                  ? 'unknown'
                  : 'checking…'
                : ready && blocksRun(ready)
                  ? 'not configured'
                  : 'configured';
          return (
            <label
              key={p}
              className="provider-option"
              data-testid="provider-option"
              data-provider={p}
              data-configured={ready ? String(!blocksRun(ready)) : undefined}
            >
              <input
                type="radio"
                name={`${id}-provider`}
                value={p}
                checked={provider === p}
                onChange={() => setProvider(p)}
              />
              <span className="provider-name">{PROVIDER_LABEL[p]}</span>
              <span
                className={`provider-note ${ready && blocksRun(ready) ? 'provider-note-bad' : ''}`}
              >
                {note}
              </span>
            </label>
          );
        })}
      </fieldset>
      {config.isError && isAgent(provider) && (
        <ErrorNotice
          error={config.error}
          title="Could not read the app's config to check the agent's key"
        />
      )}
      {readiness && isAgent(provider) && (
        <AgentNotice appId={appId} provider={provider} readiness={readiness} />
      )}
      {isAgent(provider) ? (
        <>
          <label htmlFor={`${id}-prompt`}>Describe a change</label>
          <textarea
            id={`${id}-prompt`}
            data-testid="task-prompt"
            rows={5}
            value={prompt}
            maxLength={64 * 1024}
            placeholder="Add a dark mode toggle to the header"
            aria-describedby={`${id}-keys`}
            onChange={(event) => setPrompt(event.target.value)}
            onKeyDown={handleKeyDown}
          />
          <label htmlFor={`${id}-model`} className="label-quiet">
            Model (optional)
          </label>
          <input
            id={`${id}-model`}
            className="input-model"
            value={model}
            placeholder={provider === 'opencode' ? 'provider/model' : 'the CLI’s default'}
            onChange={(event) => setModel(event.target.value)}
          />
        </>
      ) : (
        <>
          <label htmlFor={`${id}-script`}>Script</label>
          <textarea
            id={`${id}-script`}
            className="textarea-code"
            data-testid="task-script"
            rows={5}
            value={script}
            spellCheck={false}
            placeholder="sed -i 's/Hello/Welcome/' src/App.tsx"
            aria-describedby={`${id}-keys ${id}-script-note`}
            onChange={(event) => setScript(event.target.value)}
            onKeyDown={handleKeyDown}
          />
          <p id={`${id}-script-note`} className="muted small">
            Runs with /bin/sh in the app&apos;s workspace, then the task checks the build and the
            app&apos;s health like an agent&apos;s.
          </p>
        </>
      )}
      {create.isError && (
        <ErrorNotice error={create.error} title="Could not start the task" testId="task-error" />
      )}
      {create.isError && startHint(create.error) && (
        <p className="small">{startHint(create.error)}</p>
      )}
      <div className="actions">
        <button type="submit" data-testid="task-run-button" disabled={!canRun}>
          {create.isPending ? 'Starting…' : busy ? 'Queue task' : 'Run task'}
        </button>
        <span id={`${id}-keys`} className="muted small">
          {why ?? (busy ? 'It starts when the running task ends. ' : '') + 'Ctrl+Enter runs it.'}
        </span>
      </div>
    </form>
  );
}
