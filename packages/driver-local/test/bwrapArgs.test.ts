import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  buildBwrapArgs,
  SECCOMP_FD,
  GUEST_AGENT_PATH,
  SANDBOX_ENV,
  sandboxIdentityFiles,
  tmpSizeFor,
  type BwrapInput,
} from '../src/jail/bwrapArgs.js';
import type { SandboxCgroups } from '../src/cgroups/sandboxCgroups.js';
import { nodeBindFor, probeHostLayout, type HostLayout } from '../src/host/hostLayout.js';
import { bootArgv, type LauncherContext } from '../src/jail/launcher.js';
import { SandboxFiles, type SandboxRecord } from '../src/jail/sandboxFiles.js';
import { DATA_GID } from '../src/jail/sandboxUser.js';

const host: HostLayout = {
  systemPaths: [
    { path: '/usr', kind: 'dir' },
    { path: '/bin', kind: 'symlink', target: 'usr/bin' },
    { path: '/lib', kind: 'symlink', target: 'usr/lib' },
    { path: '/lib64', kind: 'dir' },
  ],
  etcMaskFiles: ['/etc/gshadow', '/etc/shadow'],
  etcMaskDirs: ['/etc/ssh', '/etc/ssl/private', '/etc/sudoers.d'],
  nodePath: '/usr/bin/node',
  nodeBind: null,
};

const runtime = '/run/paddock/0123456789/sbtest';
const input: BwrapInput = {
  host,
  sandbox: {
    workspaceDir: `${runtime}/workspace`,
    runDir: `${runtime}/run`,
    passwdFile: `${runtime}/etc/passwd`,
    groupFile: `${runtime}/etc/group`,
    hostsFile: `${runtime}/etc/hosts`,
    hostnameFile: `${runtime}/etc/hostname`,
    dataStagingDir: `${runtime}/data`,
  },
  agentBundle: '/run/paddock/0123456789/agent.mjs',
  fetchPreload: null,
  trust: null,
  emptyFile: '/run/paddock/0123456789/empty',
  emptyDir: '/run/paddock/0123456789/empty.d',
  tmpSizeBytes: 64 * 1024 * 1024,
  mounts: [],
  dataMounts: [],
  sharedCache: '/var/cache/paddock',
  seccomp: true,
};

/** [source, dest] of every bind-style option. */
function binds(args: string[]): Array<[string, string, string]> {
  const out: Array<[string, string, string]> = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    if (
      a === '--bind' ||
      a === '--ro-bind' ||
      a === '--dev-bind' ||
      a === '--bind-try' ||
      a === '--ro-bind-try'
    ) {
      out.push([a, args[i + 1]!, args[i + 2]!]);
    }
  }
  return out;
}

function hasPair(args: string[], flag: string, value: string): boolean {
  return args.some((a, i) => a === flag && args[i + 1] === value);
}

describe('buildBwrapArgs', () => {
  const args = buildBwrapArgs(input);
  const options = args.slice(0, args.indexOf('--'));

  it('unshares every namespace and forbids nested user namespaces', () => {
    for (const flag of [
      '--unshare-user',
      '--unshare-pid',
      '--unshare-net',
      '--unshare-ipc',
      '--unshare-uts',
      '--unshare-cgroup',
      '--disable-userns',
      '--new-session',
      '--clearenv',
    ]) {
      assert.ok(options.includes(flag), `missing ${flag}`);
    }
    assert.ok(hasPair(options, '--cap-drop', 'ALL'));
    assert.ok(hasPair(options, '--hostname', 'sandbox'));
    assert.ok(!options.includes('--share-net'));
    assert.ok(
      !options.includes('--unshare-all'),
      'explicit namespaces only (--unshare-all would be *-try)',
    );
  });

  it('loads the seccomp filter from its descriptor before the agent runs, and only when there is one', () => {
    const args = buildBwrapArgs(input);
    const at = args.indexOf('--seccomp');
    assert.ok(at >= 0 && at < args.indexOf('--'));
    assert.equal(args[at + 1], String(SECCOMP_FD));
    assert.ok(!buildBwrapArgs({ ...input, seccomp: false }).includes('--seccomp'));
  });

  it('never uses --die-with-parent: sandboxes must survive a daemon restart', () => {
    assert.ok(!args.includes('--die-with-parent'));
  });

  it('sets exactly the minimal environment, nothing from the daemon', () => {
    process.env.PADDOCK_TEST_SECRET_TOKEN = 'must-not-leak';
    try {
      const again = buildBwrapArgs(input);
      assert.ok(!again.join('\n').includes('must-not-leak'));
      const set: Record<string, string> = {};
      again.forEach((a, i) => {
        if (a === '--setenv') set[again[i + 1]!] = again[i + 2]!;
      });
      assert.deepEqual(set, SANDBOX_ENV);
      assert.equal(set.HOME, '/workspace');
      assert.equal(set.LANG, 'C.UTF-8');
    } finally {
      delete process.env.PADDOCK_TEST_SECRET_TOKEN;
    }
  });

  it('binds system dirs read-only and recreates merged-/usr symlinks', () => {
    assert.ok(
      binds(options).some(([f, s, d]) => f === '--ro-bind' && s === '/usr' && d === '/usr'),
    );
    assert.ok(
      binds(options).some(([f, s, d]) => f === '--ro-bind' && s === '/lib64' && d === '/lib64'),
    );
    assert.ok(
      options.some(
        (a, i) => a === '--symlink' && options[i + 1] === 'usr/bin' && options[i + 2] === '/bin',
      ),
    );
    assert.ok(!binds(options).some(([, , d]) => d === '/bin'));
  });

  it('binds /etc read-only with secrets masked and identity files replaced', () => {
    const b = binds(options);
    const etcAt = b.findIndex(([f, s, d]) => f === '--ro-bind' && s === '/etc' && d === '/etc');
    assert.ok(etcAt >= 0);
    for (const file of host.etcMaskFiles) {
      const at = b.findIndex(
        ([f, s, d]) => f === '--ro-bind' && s === input.emptyFile && d === file,
      );
      assert.ok(at > etcAt, `${file} masked after /etc is bound`);
    }
    for (const dir of host.etcMaskDirs) {
      const at = b.findIndex(([f, s, d]) => f === '--ro-bind' && s === input.emptyDir && d === dir);
      assert.ok(at > etcAt, `${dir} masked after /etc is bound`);
    }
    for (const name of ['passwd', 'group', 'hosts', 'hostname']) {
      assert.ok(
        b.some(
          ([f, s, d]) =>
            f === '--ro-bind' && s === `${runtime}/etc/${name}` && d === `/etc/${name}`,
        ),
      );
    }
  });

  it('binds nothing else from the host: no home, root, var, srv, opt, mnt, media, run, sys', () => {
    const writable = binds(options).filter(([f]) => f === '--bind');
    assert.deepEqual(
      writable.map(([, s, d]) => [s, d]),
      [
        [`${runtime}/workspace`, '/workspace'],
        [`${runtime}/run`, '/run/paddock'],
      ],
    );
    const forbidden = [
      '/home',
      '/root',
      '/var',
      '/srv',
      '/opt',
      '/mnt',
      '/media',
      '/run',
      '/sys',
      '/',
    ];
    for (const [, source, dest] of binds(options)) {
      for (const f of forbidden) {
        assert.notEqual(source, f, `${f} is bound`);
        assert.notEqual(dest, f, `${f} is a bind target`);
      }
      if (dest.startsWith('/opt/'))
        assert.ok([GUEST_AGENT_PATH, '/opt/paddock/cache'].includes(dest));
      if (source.startsWith('/run/')) assert.ok(source.startsWith('/run/paddock/0123456789/'));
    }
    assert.ok(!options.includes('--dev-bind'));
  });

  it('lays workspace mounts read-only over the workspace, after the workspace bind', () => {
    const source = '/var/cache/paddock/react-vite-abc/node_modules';
    const withMount = buildBwrapArgs({ ...input, mounts: [{ source, name: 'node_modules' }] });
    const list = binds(withMount.slice(0, withMount.indexOf('--')));
    const ws = list.findIndex(([f, , d]) => f === '--bind' && d === '/workspace');
    const mount = list.findIndex(([, s]) => s === source);
    assert.ok(ws >= 0 && mount > ws, 'the mount comes after (so over) the workspace');
    assert.deepEqual(list[mount], ['--ro-bind', source, '/workspace/node_modules']);
    assert.ok(
      !options.some((a) => a.startsWith('/var/cache/paddock/react')),
      'no workspace mount unless asked for',
    );
    assert.deepEqual(
      binds(options).find(([, , d]) => d === '/opt/paddock/cache'),
      ['--ro-bind', '/var/cache/paddock', '/opt/paddock/cache'],
      'the shared cache, read-only',
    );
    const none = buildBwrapArgs({ ...input, sharedCache: null });
    assert.ok(!none.includes('/opt/paddock/cache'));
  });

  it('binds a writable mount from its layer in the workspace, never its source', () => {
    const source = '/var/cache/paddock/react-vite-abc/node_modules';
    const args = buildBwrapArgs({
      ...input,
      mounts: [{ source, name: 'node_modules', writable: true }],
    });
    const list = binds(args.slice(0, args.indexOf('--')));
    const ws = list.findIndex(([f, , d]) => f === '--bind' && d === '/workspace');
    const layer = list.findIndex(([, , d]) => d === '/workspace/node_modules');
    assert.ok(ws >= 0 && layer > ws, 'over the workspace');
    assert.deepEqual(list[layer], [
      '--bind',
      `${input.sandbox.workspaceDir}/node_modules`,
      '/workspace/node_modules',
    ]);
    assert.ok(!args.includes(source), 'the shared source is not bound writable');
  });

  it('binds data mounts from their staged copies, ro or rw, after the workspace mounts and before / is frozen', () => {
    const args = buildBwrapArgs({
      ...input,
      mounts: [{ source: '/var/cache/paddock/deps', name: 'node_modules' }],
      dataMounts: [
        { source: '/srv/filestores/a', target: '/data/inputs', readOnly: true },
        { source: '/srv/filestores/b', target: '/data/out/put', readOnly: false },
      ],
    });
    const head = args.slice(0, args.indexOf('--'));
    const list = binds(head);
    const wsMount = list.findIndex(([, , d]) => d === '/workspace/node_modules');
    const ro = list.findIndex(([, , d]) => d === '/data/inputs');
    const rw = list.findIndex(([, , d]) => d === '/data/out/put');
    assert.deepEqual(list[ro], ['--ro-bind', `${runtime}/data/0`, '/data/inputs']);
    assert.deepEqual(list[rw], ['--bind', `${runtime}/data/1`, '/data/out/put']);
    assert.ok(wsMount >= 0 && ro > wsMount && rw > ro, 'after the workspace mounts, in order');
    const frozen = head.indexOf('--remount-ro');
    assert.ok(head.lastIndexOf('/data/out/put') < frozen, 'before the root is frozen');
    assert.ok(!args.some((a) => a.startsWith('/srv/filestores')), 'never the source itself');
  });

  it('gives a sandbox without data mounts exactly the argv it had before them', () => {
    const withField = buildBwrapArgs(input);
    const { dataMounts: _none, ...older } = input;
    assert.deepEqual(withField, buildBwrapArgs({ ...older, dataMounts: [] }));
    assert.ok(!withField.some((a) => a.startsWith('/data') || a.includes(`${runtime}/data`)));
  });

  it('binds the fetch preload and the egress CA when given, over the system bundle when there is one', () => {
    assert.ok(!options.includes('/opt/paddock/egress-ca.pem'), 'nothing unless given');
    const dir = '/run/paddock/0123456789';
    const full = buildBwrapArgs({
      ...input,
      fetchPreload: { preload: `${dir}/fetch-proxy.cjs`, agent: `${dir}/fetch-proxy-agent.cjs` },
      trust: { caFile: `${dir}/egress-ca.pem`, bundle: `${dir}/ca.crt`, hasSystemBundle: true },
    });
    const b = binds(full.slice(0, full.indexOf('--')));
    for (const [source, dest] of [
      [`${dir}/fetch-proxy.cjs`, '/opt/paddock/fetch-proxy.cjs'],
      [`${dir}/fetch-proxy-agent.cjs`, '/opt/paddock/fetch-proxy-agent.cjs'],
      [`${dir}/egress-ca.pem`, '/opt/paddock/egress-ca.pem'],
      [`${dir}/ca.crt`, '/opt/paddock/ca-certificates.crt'],
      [`${dir}/ca.crt`, '/etc/ssl/certs/ca-certificates.crt'],
    ]) {
      assert.ok(
        b.some(([f, s, d]) => f === '--ro-bind' && s === source && d === dest),
        dest,
      );
    }
    // The system bundle is covered after /etc is bound, or /etc's bind would hide it.
    const etcAt = b.findIndex(([, s]) => s === '/etc');
    const bundleAt = b.findIndex(([, , d]) => d === '/etc/ssl/certs/ca-certificates.crt');
    assert.ok(bundleAt > etcAt);
    const noSystem = buildBwrapArgs({
      ...input,
      trust: { caFile: `${dir}/egress-ca.pem`, bundle: `${dir}/ca.crt`, hasSystemBundle: false },
    });
    assert.ok(!noSystem.includes('/etc/ssl/certs/ca-certificates.crt'));
  });

  it('mounts proc, a minimal dev, a size-limited private /tmp and runs the agent from /workspace', () => {
    assert.ok(hasPair(options, '--proc', '/proc'));
    assert.ok(hasPair(options, '--dev', '/dev'));
    const tmpAt = options.findIndex((a, i) => a === '--tmpfs' && options[i + 1] === '/tmp');
    assert.deepEqual(options.slice(tmpAt - 2, tmpAt), ['--size', String(64 * 1024 * 1024)]);
    assert.ok(hasPair(options, '--chdir', '/workspace'));
    assert.ok(hasPair(options, '--remount-ro', '/'));
    assert.ok(
      binds(options).some(
        ([f, s, d]) => f === '--ro-bind' && s === input.agentBundle && d === GUEST_AGENT_PATH,
      ),
    );
    const command = args.slice(args.indexOf('--') + 1);
    assert.equal(command[0], '/usr/bin/node');
    assert.ok(command.includes('--max-old-space-size=64'));
    assert.deepEqual(command.slice(-5), [
      GUEST_AGENT_PATH,
      '--socket',
      '/run/paddock/agent.sock',
      '--workspace',
      '/workspace',
    ]);
  });

  it('binds node read-only when it lives outside the system dirs', () => {
    const custom = buildBwrapArgs({
      ...input,
      host: { ...host, nodePath: '/opt/node-v20/bin/node', nodeBind: '/opt/node-v20' },
    });
    assert.ok(
      binds(custom).some(
        ([f, s, d]) => f === '--ro-bind' && s === '/opt/node-v20' && d === '/opt/node-v20',
      ),
    );
    assert.equal(custom[custom.indexOf('--') + 1], '/opt/node-v20/bin/node');
    assert.equal(nodeBindFor('/usr/bin/node', host.systemPaths), null);
    assert.equal(nodeBindFor('/opt/node-v20/bin/node', host.systemPaths), '/opt/node-v20');
    assert.equal(nodeBindFor('/node', host.systemPaths), '/node');
  });

  it('sizes /tmp at a quarter of the memory limit, at least 16 MiB', () => {
    assert.equal(tmpSizeFor(1024), 256 * 1024 * 1024);
    assert.equal(tmpSizeFor(32), 16 * 1024 * 1024);
  });

  it('generates passwd and group naming the sandbox user with home /workspace', () => {
    const files = sandboxIdentityFiles(1234567, 1234567);
    assert.match(files.passwd, /^sandbox:x:1234567:1234567:[^:]*:\/workspace:\/bin\/sh$/m);
    assert.match(files.group, /^sandbox:x:1234567:$/m);
    assert.ok(!files.passwd.includes(os.userInfo().username === 'root' ? '/root' : os.homedir()));
  });
});

describe('bootArgv (sh -> setpriv -> bwrap)', () => {
  it('joins cgroups via positional parameters, drops to the sandbox uid and binds nothing from the data dir', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-argv-'));
    try {
      const files = new SandboxFiles(dataDir, '/run/paddock');
      const procs = [
        '/sys/fs/cgroup/memory/p/sbx/cgroup.procs',
        '/sys/fs/cgroup/pids/p/sbx/cgroup.procs',
      ];
      const ctx = {
        files,
        cgroups: { procsFiles: () => procs } as unknown as SandboxCgroups,
        tools: { setpriv: '/usr/bin/setpriv' },
        host,
        shared: {
          agentBundle: input.agentBundle,
          fetchPreload: null,
          trust: null,
          emptyFile: input.emptyFile,
          emptyDir: input.emptyDir,
          seccompFilter: null,
        },
        bwrapPath: '/usr/bin/bwrap',
        agentOomScoreAdj: -500,
        sharedCache: null,
      } as unknown as LauncherContext;
      const record = {
        id: 'sbx',
        uid: 1234567,
        gid: 1234567,
        limits: { memory_mb: 256 },
      } as SandboxRecord;
      const argv = bootArgv(ctx, record);
      assert.equal(argv[0], '-c');
      assert.ok(
        !argv[1]!.includes('1234567') && !argv[1]!.includes('cgroup.procs'),
        'script has no interpolated values',
      );
      // Still root: the OOM score (inherited by bwrap and the agent), then the cgroups, then exec.
      assert.deepEqual(argv.slice(3, 7), ['-500', '2', ...procs]);
      const unprotected = bootArgv({ ...ctx, agentOomScoreAdj: null }, record);
      assert.equal(unprotected[3], '', 'a host that refuses the adjustment gets none');
      const setpriv = argv.indexOf('/usr/bin/setpriv');
      assert.deepEqual(argv.slice(setpriv + 1, setpriv + 9), [
        '--reuid=1234567',
        '--regid=1234567',
        '--clear-groups',
        '--inh-caps=-all',
        '--bounding-set=-all',
        '--no-new-privs',
        '--',
        '/usr/bin/bwrap',
      ]);
      assert.ok(!argv.some((a) => a.includes(dataDir)), 'no argument mentions the data dir');

      // The data group replaces --clear-groups only when there is a data mount.
      const withData = bootArgv(ctx, {
        ...record,
        dataMounts: [{ source: dataDir, target: '/data/in', readOnly: true }],
      });
      const at = withData.indexOf('/usr/bin/setpriv');
      assert.deepEqual(withData.slice(at + 1, at + 4), [
        '--reuid=1234567',
        '--regid=1234567',
        `--groups=${DATA_GID}`,
      ]);
      assert.ok(!withData.includes('--clear-groups'));
      assert.ok(DATA_GID > 1_999_999, 'outside the sandbox uid range');
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the boot shell script', () => {
  const script = bootArgv(
    {
      files: new SandboxFiles('/data', '/run/paddock'),
      cgroups: { procsFiles: () => [] } as unknown as SandboxCgroups,
      tools: { setpriv: '/usr/bin/setpriv' },
      host,
      shared: {
        agentBundle: '/a',
        fetchPreload: null,
        trust: null,
        emptyFile: '/e',
        emptyDir: '/d',
        seccompFilter: null,
      },
      bwrapPath: '/usr/bin/bwrap',
      agentOomScoreAdj: null,
    } as unknown as LauncherContext,
    { id: 'sbx', uid: 1, gid: 1, limits: { memory_mb: 256 } } as SandboxRecord,
  )[1]!;
  /** Run the script with a harmless command in place of setpriv -> bwrap. */
  const run = (adj: string, procsFiles: string[]) =>
    spawnSync(
      '/bin/sh',
      [
        '-c',
        script,
        'paddock-boot',
        adj,
        String(procsFiles.length),
        ...procsFiles,
        '/bin/sh',
        '-c',
        'echo "pid=$$ adj=$(cat /proc/self/oom_score_adj)"',
      ],
      { encoding: 'utf8' },
    );

  it('sets the given oom_score_adj and joins every cgroup, then execs: the command inherits both', (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-boot-sh-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const procs = [path.join(dir, 'a.procs'), path.join(dir, 'b.procs')];
    for (const f of procs) fs.writeFileSync(f, '');
    // Raising needs no privilege, so this works on any host; the driver passes -500.
    const target = Math.min(1000, Number(fs.readFileSync('/proc/self/oom_score_adj', 'utf8')) + 7);
    const r = run(String(target), procs);
    assert.equal(r.status, 0, r.stderr);
    const m = /^pid=(\d+) adj=(-?\d+)$/.exec(r.stdout.trim());
    assert.ok(m !== null, r.stdout);
    assert.equal(Number(m[2]), target, "the exec'd command inherits the score");
    for (const f of procs) assert.equal(fs.readFileSync(f, 'utf8'), `${m[1]}\n`, 'same pid joined');
  });

  it('boots on without an adjustment when none is given or the host refuses it', (t) => {
    const own = Number(fs.readFileSync('/proc/self/oom_score_adj', 'utf8'));
    const none = run('', []);
    assert.equal(none.status, 0);
    assert.match(none.stdout, new RegExp(`adj=${own}$`, 'm'));
    assert.equal(none.stderr, '');
    const refused = run('-1001', []); // out of range everywhere: the write fails
    assert.equal(refused.status, 0);
    assert.match(refused.stderr, /paddock: cannot set oom_score_adj to -1001/);
    t.diagnostic('the failed write is reported in the sandbox log and the boot goes on');
  });

  it('fails the boot when a cgroup cannot be joined', () => {
    const r = run('', ['/nonexistent/cgroup.procs']);
    assert.equal(r.status, 125);
    assert.match(r.stderr, /paddock: cannot join cgroup \/nonexistent\/cgroup.procs/);
  });
});

describe('probeHostLayout on this host', () => {
  it('finds the merged-/usr symlinks and the credential stores present here', () => {
    const layout = probeHostLayout(process.execPath);
    const bin = layout.systemPaths.find((p) => p.path === '/bin');
    const binIsLink = fs.lstatSync('/bin').isSymbolicLink();
    assert.equal(bin?.kind, binIsLink ? 'symlink' : 'dir');
    assert.ok(layout.etcMaskFiles.includes('/etc/shadow'));
    if (fs.existsSync('/etc/ssl/private'))
      assert.ok(layout.etcMaskDirs.includes('/etc/ssl/private'));
    if (fs.existsSync('/etc/ssh')) assert.ok(layout.etcMaskDirs.includes('/etc/ssh'));
    for (const f of layout.etcMaskFiles) {
      assert.ok(
        !layout.etcMaskDirs.some((d) => f.startsWith(`${d}/`)),
        `${f} lies in a masked dir`,
      );
    }
  });
});
