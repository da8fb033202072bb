import assert from 'node:assert/strict';
import { it } from 'node:test';
import { AllowedWindows } from '../src/allowedWindows.js';
import type { EgressAuditRecord, EgressSandbox } from '../src/index.js';

const SANDBOX: EgressSandbox = { id: 'sbx1', owner_id: 'owner1', app_id: null };
const DETAILS = { host: 'a.test', port: 443, decision: 'allowed', rule: 'allow a.test' };

it('writes a window’s first request at once and its count when it ends', () => {
  const written: EgressAuditRecord['details'][] = [];
  const windows = new AllowedWindows((_s, d) => written.push(d), 60_000);
  try {
    const t0 = 1_000_000;
    for (let i = 0; i < 5; i++) windows.count('sbx1 a.test:443', SANDBOX, DETAILS, t0 + i * 1000);
    windows.count('sbx1 b.test:80', SANDBOX, { ...DETAILS, host: 'b.test' }, t0);
    assert.deepEqual(
      written.map((d) => [d.host, d.window]),
      [
        ['a.test', 'opened'],
        ['b.test', 'opened'],
      ],
    );
    // Not over yet: nothing closes; over: each window's count, the first request included.
    windows.sweep(t0 + 30_000);
    assert.equal(written.length, 2);
    windows.sweep(t0 + 60_000);
    assert.deepEqual(
      written.slice(2).map((d) => [d.host, d.window, d.requests, d.window_seconds]),
      [
        ['a.test', 'closed', 5, 60],
        ['b.test', 'closed', 1, 60],
      ],
    );
    // A request after its window opens the next one, closing the last out if still open.
    windows.count('sbx1 a.test:443', SANDBOX, DETAILS, t0 + 61_000);
    windows.count('sbx1 a.test:443', SANDBOX, DETAILS, t0 + 125_000);
    assert.deepEqual(
      written.slice(4).map((d) => [d.window, d.requests ?? null]),
      [
        ['opened', null],
        ['closed', 1],
        ['opened', null],
      ],
    );
  } finally {
    windows.close();
  }
  // Closed: the open window's count is written.
  assert.deepEqual([written.at(-1)?.window, written.at(-1)?.requests], ['closed', 1]);
});
