import { FitAddon } from '@xterm/addon-fit';
import { Terminal as XTerm } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import { PtyConnection } from '../../api/pty.js';
import { ErrorNotice } from '../ErrorNotice.js';
import '../../styles/terminal.css';
import { terminalFont, terminalTheme } from './terminalTheme.js';
import './xtermStyleElement.js';

type TerminalState =
  | { kind: 'connecting' }
  | { kind: 'open' }
  | { kind: 'exited'; code: number | null; signal: string | null }
  | { kind: 'failed'; error: unknown };

interface TerminalProps {
  sandboxId: string;
  /** Its name in the section's list, e.g. "Terminal 2". */
  name: string;
  /** Shown (the others stay open, hidden). */
  active: boolean;
}

function exitText(code: number | null, signal: string | null): string {
  if (signal) return `The terminal was ended by ${signal}.`;
  return `The shell exited with code ${code ?? 'unknown'}.`;
}

/**
 * One shell in the sandbox: xterm.js over the API's PTY WebSocket. The terminal's size follows
 * its box (the fit addon on every resize of the box); Ctrl+C and everything else typed goes to
 * the shell as input. When the shell ends, or the connection fails, it says so and offers a
 * new shell in the same place.
 */
export function Terminal({ sandboxId, name, active }: TerminalProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const termRef = useRef<XTerm | null>(null);
  const fitRef = useRef<FitAddon | null>(null);
  const connRef = useRef<PtyConnection | null>(null);
  const [state, setState] = useState<TerminalState>({ kind: 'connecting' });
  const [attempt, setAttempt] = useState(0);

  // The terminal itself, for as long as this component lives.
  useEffect(() => {
    const host = hostRef.current!;
    const term = new XTerm({
      fontFamily: terminalFont(host),
      fontSize: 14,
      theme: terminalTheme(host),
      cursorBlink: true,
      scrollback: 5000,
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host);
    termRef.current = term;
    fitRef.current = fit;
    // A hidden terminal has no size to fit to: it keeps its own until it shows again.
    const fitToBox = (): void => {
      if (host.offsetParent !== null) fit.fit();
    };
    fitToBox();
    const typed = term.onData((text) => connRef.current?.input(text));
    const binary = term.onBinary((text) =>
      connRef.current?.bytes(Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff)),
    );
    const resized = term.onResize((size) => connRef.current?.resize(size));
    const observer = new ResizeObserver(fitToBox);
    observer.observe(host);
    const scheme = matchMedia('(prefers-color-scheme: dark)');
    const retheme = (): void => {
      term.options.theme = terminalTheme(host);
    };
    scheme.addEventListener('change', retheme);
    return () => {
      scheme.removeEventListener('change', retheme);
      observer.disconnect();
      typed.dispose();
      binary.dispose();
      resized.dispose();
      term.dispose();
      termRef.current = null;
      fitRef.current = null;
    };
  }, []);

  // Its shell: a new one on each attempt (a restart after an exit or a failure).
  useEffect(() => {
    const term = termRef.current!;
    setState({ kind: 'connecting' });
    const conn = new PtyConnection(
      sandboxId,
      { cols: term.cols, rows: term.rows },
      {
        open: () => setState({ kind: 'open' }),
        data: (bytes) => term.write(bytes),
        exit: (code, signal) => setState({ kind: 'exited', code, signal }),
        error: (error) => setState({ kind: 'failed', error }),
      },
    );
    connRef.current = conn;
    return () => {
      conn.close();
      if (connRef.current === conn) connRef.current = null;
    };
  }, [sandboxId, attempt]);

  // Shown again: fit to the box (it may have changed while hidden) and take the keyboard.
  useEffect(() => {
    if (!active) return;
    const host = hostRef.current;
    if (host && host.offsetParent !== null) fitRef.current?.fit();
    termRef.current?.focus();
  }, [active]);

  const restart = (): void => {
    termRef.current?.reset();
    setAttempt((n) => n + 1);
    termRef.current?.focus();
  };

  return (
    <div className="terminal" data-testid="terminal" data-state={state.kind} hidden={!active}>
      <div className="terminal-status" role="status" data-testid="terminal-status">
        {state.kind === 'connecting' && <span className="muted">Starting a shell…</span>}
        {state.kind === 'open' && <span className="muted">Connected: {name}</span>}
        {state.kind === 'exited' && <span>{exitText(state.code, state.signal)}</span>}
      </div>
      {state.kind === 'failed' && (
        <ErrorNotice
          error={state.error}
          title="The terminal is not connected"
          testId="terminal-error"
        />
      )}
      {(state.kind === 'exited' || state.kind === 'failed') && (
        <div className="terminal-actions">
          <button type="button" onClick={restart} data-testid="terminal-restart">
            {state.kind === 'exited' ? 'Restart' : 'Reconnect'}
          </button>
          <span className="muted">
            {state.kind === 'exited'
              ? 'Starts a new shell here.'
              : 'A new shell, in a new connection.'}
          </span>
        </div>
      )}
      <div className="terminal-screen" ref={hostRef} aria-label={`${name}: shell`} role="group" />
    </div>
  );
}
