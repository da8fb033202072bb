// Every sandbox runs under the syscall filter: from inside a real sandbox, each denied call
// answers EPERM (clone3 ENOSYS, clone with a new namespace EPERM), and ordinary work (fork,
// threads, a Node program) goes on. The table is packages/driver-local/src/seccomp/syscallPolicy.ts.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { ExecResult } from '@paddock/shared';
import {
  DENIED_SYSCALLS,
  SYSCALL_NUMBERS,
} from '../packages/driver-local/src/seccomp/syscallPolicy.js';
import { hostSeccompArch } from '../packages/driver-local/src/seccomp/seccompFilter.js';
import { suiteDaemon } from './harness.js';

/** Calls each syscall with junk arguments and prints its errno (0 when it succeeded). */
const PROBE = `
import ctypes, json, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def call(nr, *args):
    ctypes.set_errno(0)
    r = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in (list(args) + [0] * 6)[:6]])
    if r == 0 and args and args[0] & 0x10000000: os._exit(0)
    return ctypes.get_errno() if r == -1 else 0
nums = json.loads(sys.argv[1])
out = {name: call(nr, -1) for name, nr in nums.items() if name != 'clone'}
out['clone_newuser'] = call(nums['clone'], 0x10000000 | 17)
out['status'] = [l.split()[1] for l in open('/proc/self/status') if l.startswith('Seccomp:')][0]
pid = os.fork()
if pid == 0: os._exit(7)
out['fork'] = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
print(json.dumps(out))
`;

describe('the seccomp filter, from inside a sandbox', () => {
  const d = suiteDaemon();
  const arch = hostSeccompArch();
  let sb: string;
  const sh = async (argv: string[]): Promise<ExecResult> => {
    const res = await d.api<ExecResult>('POST', `/v1/sandboxes/${sb}/exec`, { argv });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };

  before(async () => {
    assert.ok(arch, `the filter has a table for ${process.arch}`);
    const res = await d.api<{ id: string }>('POST', '/v1/sandboxes', {});
    assert.equal(res.status, 201);
    sb = res.body.id;
  });

  it('is reported in /v1/system', async () => {
    const system = await d.api<{ driver: { details: { seccomp?: boolean } } }>('GET', '/v1/system');
    assert.equal(system.body.driver.details.seccomp, true);
  });

  it('answers EPERM to each denied call, ENOSYS to clone3, and lets fork through', async () => {
    const numbers = SYSCALL_NUMBERS[arch!];
    const r = await sh(['python3', '-c', PROBE, JSON.stringify(numbers)]);
    assert.equal(r.exit_code, 0, r.stderr);
    const seen = JSON.parse(r.stdout) as Record<string, number | string>;
    for (const name of Object.keys(DENIED_SYSCALLS)) assert.equal(seen[name], 1, `${name}: EPERM`);
    assert.equal(seen.clone3, 38, 'clone3: ENOSYS');
    assert.equal(seen.clone_newuser, 1, 'clone with CLONE_NEWUSER: EPERM');
    assert.equal(seen.status, '2', 'Seccomp: 2 (a filter) in /proc/self/status');
    assert.equal(seen.fork, 7, 'fork and wait work');
  });

  it('runs Node (threads, the libuv pool, child processes) under it', async () => {
    const r = await sh([
      'node',
      '-e',
      "const {execFileSync}=require('child_process');const {Worker}=require('worker_threads');" +
        "require('fs').promises.readFile('/etc/hostname').then(()=>new Worker('1',{eval:true}).on('exit',c=>" +
        "console.log('ok',c,execFileSync('sh',['-c','echo child']).toString().trim())))",
    ]);
    assert.equal(r.exit_code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'ok 0 child');
  });
});
