import { PTY_LIMITS } from '@paddock/shared/browser';
import { lazy, Suspense, useState } from 'react';
import type { AppTabProps } from './appTab.js';
import { NoSandbox } from './NoSandbox.js';

// xterm.js is most of the weight of a terminal: loaded when the section is first opened.
const Terminal = lazy(() =>
  import('../../components/terminal/Terminal.js').then((m) => ({ default: m.Terminal })),
);

interface OpenTerminal {
  key: number;
  name: string;
}

/**
 * Shells in the app's sandbox, several at once: each its own terminal and connection, kept
 * open while another one shows. The API allows PTY_LIMITS.maxPerSandbox per sandbox (other
 * clients' count too: past the cap a terminal says so).
 */
export function TerminalTab({ app }: AppTabProps) {
  const sandbox = app.sandbox;
  const [terminals, setTerminals] = useState<OpenTerminal[]>([{ key: 1, name: 'Terminal 1' }]);
  const [next, setNext] = useState(2);
  const [current, setCurrent] = useState(1);

  if (!sandbox) return <NoSandbox what="there is no shell to open" />;
  const running = sandbox.status === 'running';

  const add = (): void => {
    setTerminals((ts) => [...ts, { key: next, name: `Terminal ${next}` }]);
    setCurrent(next);
    setNext((n) => n + 1);
  };
  const close = (key: number): void => {
    const at = terminals.findIndex((t) => t.key === key);
    const left = terminals.filter((t) => t.key !== key);
    setTerminals(left);
    if (key === current) setCurrent(left[Math.min(at, left.length - 1)]?.key ?? 0);
  };

  return (
    <section className="panel terminal-section" aria-labelledby="terminal-title" data-app={app.id}>
      <div className="terminal-head">
        <h2 id="terminal-title">Terminal</h2>
        <p className="muted">
          A shell in the sandbox, in the workspace. Up to {PTY_LIMITS.maxPerSandbox} at once;
          closing one ends its shell.
        </p>
      </div>
      {!running ? (
        <p className="empty" data-testid="terminal-not-running">
          The sandbox is {sandbox.status}: start it with the button above to open a shell.
        </p>
      ) : (
        <>
          <ul className="terminal-tabs" aria-label="Open terminals">
            {terminals.map((t) => (
              <li key={t.key} className="terminal-tab" data-current={t.key === current}>
                <button
                  type="button"
                  className="terminal-tab-select"
                  aria-pressed={t.key === current}
                  onClick={() => setCurrent(t.key)}
                  data-testid="terminal-tab"
                >
                  {t.name}
                </button>
                <button
                  type="button"
                  className="terminal-tab-close"
                  aria-label={`Close ${t.name}`}
                  title={`Close ${t.name} (ends its shell)`}
                  onClick={() => close(t.key)}
                  data-testid="terminal-close"
                >
                  ×
                </button>
              </li>
            ))}
            <li>
              <button
                type="button"
                className="terminal-new"
                onClick={add}
                data-testid="terminal-new"
              >
                + New terminal
              </button>
            </li>
          </ul>
          {terminals.length === 0 && (
            <p className="empty" data-testid="terminal-empty">
              No terminal is open: open one with “+ New terminal”.
            </p>
          )}
          <Suspense fallback={<p className="muted">Loading the terminal…</p>}>
            {terminals.map((t) => (
              <Terminal
                key={t.key}
                sandboxId={sandbox.id}
                name={t.name}
                active={t.key === current}
              />
            ))}
          </Suspense>
        </>
      )}
    </section>
  );
}
