// @paddock/sdk against a real daemon and real sandboxes, imported from its packed tarball:
// sandboxes, streaming exec, background commands, files (a 50 MB round trip as streams), the
// terminal, and errors. Apps, tasks and snapshots are in sdkApps.test.ts.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Paddock as PaddockClient, Sandbox } from '@paddock/sdk';
import { suiteDaemon } from './harness.js';
import { installSdk, type InstalledSdk } from './sdkPackage.js';

describe('the SDK: sandboxes, exec, commands, files, terminal', () => {
  const d = suiteDaemon();
  let installed: InstalledSdk;
  let pd: PaddockClient;
  let sb: Sandbox;

  before(async () => {
    installed = await installSdk();
    pd = new installed.sdk.Paddock({ url: d.url, token: d.token });
    sb = await pd.sandboxes.create({ metadata: { suite: 'sdk' } });
  });
  after(() => installed?.remove());

  it('creates, finds, lists, stops, starts and keeps a sandbox alive', async () => {
    assert.equal(sb.info?.status, 'running');
    const again = await pd.sandboxes.get(sb.id);
    assert.equal(again.info?.id, sb.id);
    const listed: string[] = [];
    for await (const s of pd.sandboxes.all({ 'metadata.suite': 'sdk' } as never)) listed.push(s.id);
    assert.deepEqual(listed, [sb.id]);
    const page = await pd.sandboxes.list({ limit: 1 });
    assert.equal(page.items.length, 1);

    const stopped = await sb.stop({ graceMs: 100 });
    assert.equal(stopped.status, 'stopped');
    const started = await sb.start();
    assert.equal(started.status, 'running');
    const kept = await sb.keepAlive(60);
    assert.ok(kept.keepalive_until, 'keepalive_until is set');
    const info = await sb.refresh();
    assert.deepEqual(info.processes, []);
    assert.equal(await sb.previewUrl(), null, 'no web process, no preview link');
    const events = await sb.events({ limit: 50 });
    assert.ok(events.items.some((e) => e.type === 'sandbox.stopped'));
  });

  it('streams exec output as it comes, before the command ends', async () => {
    const seen: string[] = [];
    let released = false;
    // The command waits for a file the test writes only once the first line has arrived:
    // without streaming it would never finish.
    const result = await sb.exec(
      'echo first; while [ ! -f go ]; do sleep 0.05; done; echo second; echo oops >&2; exit 3',
      {
        onStdout: (text) => {
          seen.push(text);
          if (!released && text.includes('first')) {
            released = true;
            void sb.files.write('go', '');
          }
        },
        onStderr: (text) => seen.push(`err:${text}`),
        timeoutMs: 30_000,
      },
    );
    assert.equal(result.exit_code, 3);
    assert.equal(result.stdout, 'first\nsecond\n');
    assert.equal(result.stderr, 'oops\n');
    assert.ok(seen.indexOf('first\n') < seen.findIndex((s) => s.includes('second')));
    await sb.files.mkdir('work');
    const argv = await sb.exec(
      ['sh', '-c', 'printf "%s|" "$X" "$(basename "$PWD")" "$@"', 'sh', 'a b'],
      {
        cwd: 'work',
        env: { X: '1' },
      },
    );
    assert.equal(argv.stdout, '1|work|a b|');
    const withStdin = await sb.exec('tr a-z A-Z', { stdin: 'shout' });
    assert.equal(withStdin.stdout, 'SHOUT');
  });

  it('ends a command at its timeout, and kills it when the caller aborts', async () => {
    const timed = await sb.exec('sleep 30', { timeoutMs: 300 });
    assert.equal(timed.state, 'timed_out');

    const controller = new AbortController();
    const running = sb.exec('echo started; exec sleep 3600', {
      signal: controller.signal,
      onStdout: () => controller.abort(),
    });
    await assert.rejects(running, (err: Error & { code?: string }) => {
      assert.ok(err instanceof installed.sdk.PaddockError);
      assert.equal(err.code, 'aborted');
      return true;
    });
    // The daemon kills the command when its stream closes.
    for (let i = 0; ; i++) {
      // The bracket keeps pgrep from matching this very shell's command line.
      const left = await sb.exec('pgrep -f "sleep 360[0]" || true');
      if (left.stdout.trim() === '') break;
      assert.ok(i < 100, 'the aborted command is still running');
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  it('starts background commands, waits for them, reads their output and kills them', async () => {
    const job = await sb.commands.start('echo from-job; echo to-err >&2', { stdin: 'x' });
    const done = await job.wait();
    assert.equal(done.status, 'exited');
    assert.equal(done.exit_code, 0);
    const out = await job.output();
    assert.equal(out.stdout, 'from-job\n');
    assert.equal(out.stderr, 'to-err\n');

    const server = await sb.commands.start(['sleep', '3600']);
    assert.equal(server.record.status, 'running');
    const found = await sb.commands.get(server.id);
    assert.equal(found.record.pid, server.record.pid);
    assert.ok((await sb.commands.list()).some((c) => c.id === server.id));
    const signalled = await server.signal('SIGTERM');
    assert.equal(signalled.id, server.id);
    const ended = await server.wait();
    assert.equal(ended.signal, 'SIGTERM');

    const other = await sb.commands.start('exec sleep 3600');
    const killed = await other.kill();
    assert.equal(killed.status, 'exited');
  });

  it('reads, writes, lists, stats, moves and removes files; watches a directory', async () => {
    await sb.files.write('dir/a.txt', 'hello');
    await sb.files.write('dir/b.bin', new Uint8Array([0, 1, 2, 255]), { mode: '0600' });
    assert.equal(await sb.files.readText('dir/a.txt'), 'hello');
    assert.deepEqual([...(await sb.files.read('dir/b.bin'))], [0, 1, 2, 255]);
    const stat = await sb.files.stat('dir/b.bin');
    assert.equal(stat.size, 4);
    assert.equal(stat.mode, '0600');
    const listing = await sb.files.list('dir');
    assert.deepEqual(listing.entries.map((e) => e.name).sort(), ['a.txt', 'b.bin']);
    await sb.files.mkdir('dir/sub/deeper', { parents: true });
    await sb.files.move('dir/a.txt', 'dir/sub/a.txt');
    assert.equal(await sb.files.exists('dir/a.txt'), false);
    assert.equal(await sb.files.exists('dir/sub/a.txt'), true);
    await sb.files.remove('dir/sub', { recursive: true });
    assert.equal(await sb.files.exists('dir/sub'), false);

    const controller = new AbortController();
    const changes: string[] = [];
    for await (const frame of sb.files.watch('dir', { signal: controller.signal })) {
      if (frame.event === 'ready') await sb.files.write('dir/new.txt', 'n');
      else if (frame.event === 'created') {
        changes.push(frame.data.path);
        break;
      }
    }
    assert.deepEqual(changes, ['dir/new.txt']);

    const tar = await sb.files.downloadArchive('dir');
    const unpacked = await sb.files.uploadArchive('copy', tar);
    assert.ok(unpacked.files >= 2);
    assert.equal(await sb.files.readText('copy/new.txt'), 'n');
  });

  it('round-trips 50 MB as streams, in chunks, without holding it whole', async () => {
    const SIZE = 50 * 1024 * 1024;
    const CHUNK = 256 * 1024;
    const sent = createHash('sha256');
    let produced = 0;
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (produced >= SIZE) return controller.close();
        const chunk = new Uint8Array(Math.min(CHUNK, SIZE - produced));
        for (let i = 0; i < chunk.length; i += 4096) chunk[i] = (produced + i) & 0xff;
        produced += chunk.length;
        sent.update(chunk);
        controller.enqueue(chunk);
      },
    });
    const written = await sb.files.write('big.bin', source);
    assert.equal(written.size, SIZE);

    const received = createHash('sha256');
    let chunks = 0;
    let largest = 0;
    let total = 0;
    for await (const chunk of (await sb.files.readStream(
      'big.bin',
    )) as unknown as AsyncIterable<Uint8Array>) {
      chunks++;
      largest = Math.max(largest, chunk.length);
      total += chunk.length;
      received.update(chunk);
    }
    assert.equal(total, SIZE);
    assert.equal(received.digest('hex'), sent.digest('hex'));
    assert.ok(chunks > 10, `read in ${chunks} chunks`);
    assert.ok(largest < 8 * 1024 * 1024, `the largest chunk was ${largest} bytes`);
  });

  it('opens a terminal, types into it and sees the shell exit', async () => {
    const decoder = new TextDecoder();
    let screen = '';
    const term = await sb.pty.open({
      cols: 80,
      rows: 24,
      onData: (d) => (screen += decoder.decode(d)),
    });
    term.resize(100, 30);
    term.write('stty size; echo "pty $((40 + 2))"; exit 7\n');
    const exit = await term.exited;
    assert.equal(exit.code, 7);
    assert.match(screen, /30 100/);
    assert.match(screen, /pty 42/);
  });

  it('runs a task in a plain sandbox', async () => {
    const task = await sb.runTask({ provider: 'command', script: 'echo from-a-task > t.txt' });
    assert.equal((await task.wait()).status, 'succeeded');
    assert.equal((await task.refresh()).status, 'succeeded');
    assert.equal(await sb.files.readText('t.txt'), 'from-a-task\n');
    assert.ok((await pd.tasks.list(sb.id)).some((t) => t.id === task.id));
  });

  it('turns error answers into PaddockErrors with the stable code', async () => {
    await assert.rejects(
      pd.sandboxes.get('sb_nope'),
      (err: Error & { code?: string; status?: number }) => {
        assert.ok(err instanceof installed.sdk.PaddockError);
        assert.equal(err.code, 'not_found');
        assert.equal(err.status, 404);
        return true;
      },
    );
    await assert.rejects(sb.files.readText('no/such/file'), { code: 'file_not_found' });
    await assert.rejects(
      sb.exec('true', { timeoutMs: -5 }),
      (err: Error & { code?: string }) =>
        err.code === 'bad_request' || err.code === 'unknown_field',
    );
    const wrong = new installed.sdk.Paddock({ url: d.url, token: 'pdk_wrong' });
    await assert.rejects(wrong.sandboxes.list(), { code: 'unauthorized', status: 401 });
    await assert.rejects(
      pd.sandboxes.connect('sb_gone').pty.open(),
      (err: Error & { code?: string }) => err.code === 'not_found',
    );
  });

  it('deletes the sandbox', async () => {
    await sb.delete();
    await assert.rejects(pd.sandboxes.get(sb.id), { code: 'not_found' });
  });
});
