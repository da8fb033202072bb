import { PTY_LIMITS, PTY_SIGNALS } from '../agent/pty.js';
import { PtyQuery } from '../api/pty.js';
import { SandboxIdParams } from '../api/sandboxes.js';
import { errorResponses } from './errorResponses.js';
import type { RouteTable } from './routeContract.js';

const tags = ['exec'] as const;

/** An interactive terminal in a sandbox, over a WebSocket. */
export const PtyRoutes = {
  open: {
    method: 'GET',
    url: '/v1/sandboxes/:id/pty',
    schema: {
      tags,
      summary: 'Open an interactive terminal (a PTY running a shell) over a WebSocket',
      description:
        'A WebSocket upgrade (`Connection: Upgrade`, `Upgrade: websocket`), authenticated like any ' +
        'request: a bearer token, or the session cookie with an `Origin` of the daemon’s own host ' +
        '(a sandbox token may not open one). Errors before the upgrade are plain HTTP answers. ' +
        'Then: **binary** messages are terminal bytes both ways (raw, UTF-8 as the shell writes ' +
        'it, a character may span two messages); **text** messages are JSON control messages. ' +
        'To the terminal: `{"type":"resize","cols":C,"rows":R}` (1 to ' +
        `${PTY_LIMITS.maxCols}) and \`{"type":"signal","signal":S}\` (${PTY_SIGNALS.join(', ')}; ` +
        'to the foreground process group; Ctrl-C as the byte 0x03 works too), and ' +
        '`{"type":"eof"}`: the end of input, as a pipe ends (for piped input; a Ctrl-D typed ' +
        'ahead of the prompt is lost, as in any terminal). From it: ' +
        '`{"type":"exit","code":N|null,"signal":S|null}` when the shell has exited (code 128+n: ' +
        'a signal ended the shell), then a close with 1000; `{"type":"error","code":C,' +
        '"message":M}` when the terminal is lost (the sandbox stopped, say), then a close with ' +
        '1011, or with 1001 and the reason `daemon_stopping` when the daemon is stopping and its ' +
        'drain deadline passed. A malformed control message is answered with an `error` message and ignored. ' +
        'Closing the WebSocket hangs up the terminal: its whole session gets SIGHUP, and SIGKILL ' +
        `${PTY_LIMITS.hangupGraceMs} ms later. At most ${PTY_LIMITS.maxPerSandbox} per sandbox ` +
        '(429 `rate_limited` beyond). The shell runs as the sandbox user with the environment of ' +
        'an exec (TERM=xterm-256color, LANG=C.UTF-8). An open terminal keeps the sandbox from ' +
        'idle stop. Without an upgrade the same checks run (auth, owner, state, the cap) and a ' +
        'request that passes them is answered 400: so a browser, which cannot read why a ' +
        'handshake was refused, can ask.',
      params: SandboxIdParams,
      querystring: PtyQuery,
      response: {
        101: { type: 'null', description: 'Switching Protocols: the WebSocket is open' },
        ...errorResponses(400, 401, 403, 404, 409, 429, 503),
      },
    },
  },
} as const satisfies RouteTable;
