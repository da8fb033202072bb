import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import yauzl from 'yauzl';
import { suiteDaemon } from './harness.js';
import { runCli } from './cliRunner.js';

interface Err {
  error: { code: string; message: string };
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-arch-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A local tree: nested dirs, an executable, a symlink inside, and a 50 MB file. */
function makeTree(root: string): void {
  fs.mkdirSync(path.join(root, 'src/deep/er'), { recursive: true });
  fs.writeFileSync(path.join(root, 'src/deep/er/a.txt'), 'nested\n');
  fs.writeFileSync(path.join(root, 'run.sh'), '#!/bin/sh\necho ran\n', { mode: 0o755 });
  fs.symlinkSync('src/deep/er/a.txt', path.join(root, 'link'));
  fs.mkdirSync(path.join(root, 'empty'));
  const big = fs.openSync(path.join(root, 'big.bin'), 'w');
  for (let i = 0; i < 50; i++) fs.writeSync(big, crypto.randomBytes(1024 * 1024));
  fs.closeSync(big);
}

/** Every path under `root` with its type, mode and content hash (or link target). */
function describeTree(root: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(path.join(root, rel)).sort()) {
    const p = rel ? `${rel}/${name}` : name;
    const full = path.join(root, p);
    const st = fs.lstatSync(full);
    if (st.isSymbolicLink()) out[p] = `link ${fs.readlinkSync(full)}`;
    else if (st.isDirectory()) {
      out[p] = 'dir';
      Object.assign(out, describeTree(root, p));
    } else {
      const hash = crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex');
      out[p] = `file ${(st.mode & 0o777).toString(8)} ${hash}`;
    }
  }
  return out;
}

async function tarOf(
  entries: { header: Partial<tar.Header> & { name: string }; body?: string | Buffer }[],
  gzip = false,
): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) pack.entry(e.header, e.body ?? '');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
  const raw = Buffer.concat(chunks);
  return gzip ? zlib.gzipSync(raw) : raw;
}

/** A tar.gz of one file of zeros declared larger than an upload may be, made as it streams. */
function gzipBomb(bytes: number): Readable {
  const pack = tar.pack();
  const sink = pack.entry({ name: 'zeros', type: 'file', size: bytes });
  void (async () => {
    const zeros = Buffer.alloc(1024 * 1024);
    for (let left = bytes; left > 0; left -= zeros.length) {
      if (!sink.write(left >= zeros.length ? zeros : zeros.subarray(0, left))) {
        await new Promise<void>((r) => sink.once('drain', () => r()));
      }
    }
    sink.end(undefined);
    pack.finalize();
  })();
  return Readable.from(pack as AsyncIterable<Buffer>).pipe(zlib.createGzip({ level: 1 }));
}

describe('sandbox archives: a directory in and out as a tar stream', () => {
  const d = suiteDaemon();
  let id: string;
  const auth = () => ({ authorization: `Bearer ${d.token}` });
  const archiveUrl = (p: string, sandbox = id) =>
    `${d.url}/v1/sandboxes/${sandbox}/archive?path=${encodeURIComponent(p)}`;
  const push = (p: string, body: Buffer | Readable, sandbox = id) =>
    fetch(archiveUrl(p, sandbox), {
      method: 'PUT',
      headers: { ...auth(), 'content-type': 'application/x-tar' },
      body: Buffer.isBuffer(body) ? body : (Readable.toWeb(body) as ReadableStream),
      duplex: 'half',
    } as RequestInit);
  const sh = async (command: string) =>
    (await d.api<{ stdout: string }>('POST', `/v1/sandboxes/${id}/exec`, { command })).body.stdout;

  it('pushes a tree (nested dirs, an executable, a symlink, 50 MB) and pulls it back identical', async () => {
    id = (await d.api<{ id: string }>('POST', '/v1/sandboxes', {})).body.id;
    const local = path.join(scratch, 'tree');
    fs.mkdirSync(local);
    makeTree(local);
    const tarred = spawn('tar', ['-c', '-f', '-', '-C', local, '.'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const res = await push('proj', tarred.stdout);
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(await res.json(), {
      path: 'proj',
      files: 3,
      bytes: 50 * 1024 * 1024 + 7 + 19,
    });
    assert.equal(
      await sh('stat -c %U:%a proj/run.sh && readlink proj/link'),
      'sandbox:755\nsrc/deep/er/a.txt\n',
    );

    const pulled = await fetch(archiveUrl('proj'), { headers: auth() });
    assert.equal(pulled.status, 200);
    assert.equal(pulled.headers.get('content-type'), 'application/x-tar');
    const back = path.join(scratch, 'back');
    fs.mkdirSync(back);
    const untar = spawn('tar', ['-x', '-f', '-', '-C', back], {
      stdio: ['pipe', 'inherit', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      Readable.fromWeb(pulled.body as never).pipe(untar.stdin);
      untar.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`tar ${code}`))));
    });
    assert.deepEqual(describeTree(back), describeTree(local));
  });

  it('pushes into a directory that does not exist yet, gzipped, keeping what is there', async () => {
    const first = await tarOf([{ header: { name: 'keep.txt', type: 'file' }, body: 'kept' }]);
    assert.equal((await push('fresh/a/b', first)).status, 200);
    const second = await tarOf(
      [
        { header: { name: './', type: 'directory' } },
        { header: { name: './new/x.txt', type: 'file', mode: 0o600 }, body: 'new' },
      ],
      true,
    );
    const res = await push('/workspace/fresh/a/b', second);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { path: 'fresh/a/b', files: 1, bytes: 3 });
    assert.equal(
      await sh('cat fresh/a/b/keep.txt fresh/a/b/new/x.txt; stat -c %a fresh/a/b/new/x.txt'),
      'keptnew600\n',
    );
  });

  it('refuses malicious archives with invalid_archive and writes nothing', async () => {
    const file = (name: string) => ({ header: { name, type: 'file' as const }, body: 'x' });
    const before = await sh('ls -a; ls -a /tmp');
    const cases: [string, Buffer | (() => Readable)][] = [
      ['absolute path', await tarOf([file('ok.txt'), file('/etc/evil')])],
      ['dot-dot', await tarOf([file('ok.txt'), file('../x')])],
      [
        'symlink to /etc',
        await tarOf([
          { header: { name: 'etc', type: 'symlink', linkname: '/etc' } },
          file('etc/evil'),
        ]),
      ],
      [
        'a file through a symlink',
        await tarOf([{ header: { name: 'l', type: 'symlink', linkname: 'sub' } }, file('l/evil')]),
      ],
      [
        'hard link',
        await tarOf([file('ok.txt'), { header: { name: 'h', type: 'link', linkname: 'ok.txt' } }]),
      ],
      [
        'char device',
        await tarOf([
          { header: { name: 'null', type: 'character-device', devmajor: 1, devminor: 3 } },
        ]),
      ],
      ['fifo', await tarOf([{ header: { name: 'p', type: 'fifo' } }])],
      ['gzip bomb', () => gzipBomb(300 * 1024 * 1024)],
      ['not a tar', Buffer.from('hello, this is not a tar at all'.repeat(40))],
    ];
    for (const [label, body] of cases) {
      const res = await push('evil', typeof body === 'function' ? body() : body);
      const err = (await res.json()) as Err;
      assert.equal(res.status, 400, label);
      assert.equal(err.error.code, 'invalid_archive', label);
    }
    assert.equal(await sh('ls -a; ls -a /tmp'), before, 'nothing written, no staging file left');
  });

  it('refuses paths on the files API deny list', async () => {
    const res = await push(
      '.',
      await tarOf([{ header: { name: '.git/hooks/pre-commit', type: 'file' }, body: 'x' }]),
    );
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as Err).error.code, 'path_denied');
  });

  it('answers no_space (507) when the workspace disk fills, staging or unpacking', async () => {
    const small = (
      await d.api<{ id: string }>('POST', '/v1/sandboxes', { limits: { disk_mb: 32 } })
    ).body.id;
    const fileOf = (mb: number) =>
      tarOf([{ header: { name: 'big.bin', type: 'file' }, body: Buffer.alloc(mb << 20, 7) }]);
    // 40 MiB do not fit even as the staged tar.
    const staged = await push('x', await fileOf(40), small);
    assert.equal(staged.status, 507);
    assert.equal(((await staged.json()) as Err).error.code, 'no_space');
    // 20 MiB fit staged, not twice: the unpack runs out.
    const unpacked = await push('y', await fileOf(20), small);
    assert.equal(unpacked.status, 507, await unpacked.clone().text());
    assert.equal(((await unpacked.json()) as Err).error.code, 'no_space');
    const left = await d.api<{ stdout: string }>('POST', `/v1/sandboxes/${small}/exec`, {
      command: 'ls -A | grep -c paddock-upload || true',
    });
    assert.equal(left.body.stdout, '0\n', 'no staging file left behind');
  });

  it('answers sandbox_not_running for a stopped sandbox, as the files API does', async () => {
    const other = (await d.api<{ id: string }>('POST', '/v1/sandboxes', {})).body.id;
    assert.equal((await d.api('POST', `/v1/sandboxes/${other}/stop`)).status, 200);
    const pushed = await push(
      'x',
      await tarOf([{ header: { name: 'a', type: 'file' }, body: 'a' }]),
      other,
    );
    assert.equal(pushed.status, 409);
    assert.equal(((await pushed.json()) as Err).error.code, 'sandbox_not_running');
    const pulled = await fetch(archiveUrl('.', other), { headers: auth() });
    assert.equal(pulled.status, 409);
    assert.equal(((await pulled.json()) as Err).error.code, 'sandbox_not_running');
    const files = await fetch(`${d.url}/v1/sandboxes/${other}/files?path=a`, { headers: auth() });
    assert.equal(((await files.json()) as Err).error.code, 'sandbox_not_running');
  });
});

/** The entries of a zip: name → `dir`, `link TARGET` or `file MODE CONTENT`. */
async function zipListing(data: Buffer): Promise<Record<string, string>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(data, { lazyEntries: true }, (err, z) => (err ? reject(err) : resolve(z!))),
  );
  const out: Record<string, string> = {};
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (e: yauzl.Entry) => {
      const mode = e.externalFileAttributes >>> 16;
      if (e.fileName.endsWith('/')) {
        out[e.fileName.slice(0, -1)] = 'dir';
        zip.readEntry();
        return;
      }
      zip.openReadStream(e, (err, stream) => {
        if (err) return reject(err);
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          out[e.fileName] =
            (mode & 0o170000) === 0o120000
              ? `link ${text}`
              : `file ${(mode & 0o777).toString(8)} ${text}`;
          zip.readEntry();
        });
      });
    });
    zip.on('end', resolve);
    zip.on('error', reject);
    zip.readEntry();
  });
  return out;
}

/** The entries of a tar.gz, the same way. */
async function tarGzListing(data: Buffer): Promise<Record<string, string>> {
  const extract = tar.extract();
  Readable.from([zlib.gunzipSync(data)]).pipe(extract as unknown as NodeJS.WritableStream);
  const out: Record<string, string> = {};
  for await (const entry of extract) {
    const h = entry.header;
    const name = h.name.replace(/^\.\//, '').replace(/\/$/, '');
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    if (name === '' || name === '.') continue;
    out[name] =
      h.type === 'directory'
        ? 'dir'
        : h.type === 'symlink'
          ? `link ${h.linkname}`
          : `file ${(h.mode! & 0o777).toString(8)} ${Buffer.concat(chunks).toString()}`;
  }
  return out;
}

describe('app export: the workspace as tar.gz or zip, without regenerable dirs', () => {
  const d = suiteDaemon();
  let appId: string;
  const auth = () => ({ authorization: `Bearer ${d.token}` });

  it('leaves node_modules, .venv and caches out, and .git unless asked; names the file after the app', async () => {
    const app = (
      await d.api<{ id: string; sandbox: { id: string } }>('POST', '/v1/apps', {
        name: 'My App / ünïcode',
        preset: 'static',
      })
    ).body;
    appId = app.id;
    const exec = (command: string) =>
      d.api<{ exit_code: number; stderr: string }>('POST', `/v1/sandboxes/${app.sandbox.id}/exec`, {
        command,
      });
    const made = await exec(
      [
        'set -e',
        'rm -rf export-src && mkdir -p src/lib node_modules/dep .venv/bin .cache sub/node_modules',
        'printf main > src/lib/main.js',
        'printf dep > node_modules/dep/index.js',
        'printf py > .venv/bin/python',
        'printf c > .cache/x',
        'printf nested > sub/node_modules/n.js',
        'printf "#!/bin/sh" > tool.sh && chmod 755 tool.sh',
        'ln -sf src/lib/main.js main-link',
        'git init -q 2>/dev/null || true',
        'git -c user.name=t -c user.email=t@t add src && git -c user.name=t -c user.email=t@t commit -qm init',
      ].join('\n'),
    );
    assert.equal(made.body.exit_code, 0, made.body.stderr);
    // Stopped: the export wakes it.
    assert.equal((await d.api('POST', `/v1/sandboxes/${app.sandbox.id}/stop`)).status, 200);

    const zipRes = await fetch(`${d.url}/v1/apps/${appId}/archive?format=zip`, { headers: auth() });
    assert.equal(zipRes.status, 200);
    assert.equal(zipRes.headers.get('content-type'), 'application/zip');
    assert.equal(
      zipRes.headers.get('content-disposition'),
      'attachment; filename="My-App-unicode.zip"',
    );
    const zipped = await zipListing(Buffer.from(await zipRes.arrayBuffer()));
    assert.equal(zipped['src/lib/main.js'], 'file 644 main');
    assert.equal(zipped['tool.sh'], 'file 755 #!/bin/sh');
    assert.equal(zipped['main-link'], 'link src/lib/main.js');
    for (const name of Object.keys(zipped)) {
      assert.doesNotMatch(name, /(^|\/)(node_modules|\.venv|\.cache|\.git)(\/|$)/, name);
    }

    const tgzRes = await fetch(`${d.url}/v1/apps/${appId}/archive`, { headers: auth() });
    assert.equal(tgzRes.status, 200);
    assert.equal(tgzRes.headers.get('content-type'), 'application/gzip');
    assert.match(tgzRes.headers.get('content-disposition')!, /filename="My-App-unicode\.tar\.gz"/);
    const tgz = await tarGzListing(Buffer.from(await tgzRes.arrayBuffer()));
    assert.deepEqual(tgz, zipped, 'the same tree either way');

    const withGit = await fetch(`${d.url}/v1/apps/${appId}/archive?git=true&format=zip`, {
      headers: auth(),
    });
    const gitListing = await zipListing(Buffer.from(await withGit.arrayBuffer()));
    assert.ok(gitListing['.git/HEAD']?.startsWith('file'), 'the history comes along when asked');
    assert.equal(gitListing['node_modules/dep/index.js'], undefined);
  });

  it('the CLI pushes a tree, pulls it back, refuses a link out on pull, and exports the app', async () => {
    const app = (await d.api<{ sandbox: { id: string } }>('GET', `/v1/apps/${appId}`)).body;
    const sandboxId = app.sandbox.id;
    const env = { HOME: scratch, PADDOCK_URL: d.url, PADDOCK_TOKEN: d.token };
    const cli = (args: string[]) => runCli(args, env);
    const local = path.join(scratch, 'cli-tree');
    fs.mkdirSync(path.join(local, 'a/b'), { recursive: true });
    fs.writeFileSync(path.join(local, 'a/b/c.txt'), 'deep');
    fs.writeFileSync(path.join(local, 'x.sh'), '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(local, 'blob'), crypto.randomBytes(3 * 1024 * 1024 + 17));
    fs.symlinkSync('a/b/c.txt', path.join(local, 'ln'));

    const pushed = await cli(['files', 'push', sandboxId, local, 'from-cli']);
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.match(pushed.stdout, /^from-cli\t3 files\t/);
    const back = path.join(scratch, 'cli-back');
    const pulled = await cli(['files', 'pull', sandboxId, 'from-cli', back]);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.deepEqual(describeTree(back), describeTree(local));

    const linked = await d.api<{ exit_code: number }>('POST', `/v1/sandboxes/${sandboxId}/exec`, {
      command: 'mkdir -p out-link && ln -sf /etc out-link/etc',
    });
    assert.equal(linked.body.exit_code, 0);
    const refused = await cli([
      'files',
      'pull',
      sandboxId,
      'out-link',
      path.join(scratch, 'cli-out'),
    ]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /invalid_archive: a symlink pointing out/);
    assert.equal(fs.existsSync(path.join(scratch, 'cli-out/etc')), false);

    const file = path.join(scratch, 'export.zip');
    const exported = await cli(['app', 'export', appId, '--format', 'zip', '-o', file]);
    assert.equal(exported.code, 0, exported.stderr);
    const listing = await zipListing(fs.readFileSync(file));
    assert.equal(listing['src/lib/main.js'], 'file 644 main');
    assert.equal(listing['node_modules/dep/index.js'], undefined);
  });

  it('answers not_found for an app that is not there', async () => {
    const res = await fetch(`${d.url}/v1/apps/app_nope/archive`, { headers: auth() });
    assert.equal(res.status, 404);
  });
});
