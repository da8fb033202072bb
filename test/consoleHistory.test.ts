import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Snapshot, Task } from '@paddock/shared';
import {
  assertAccessible,
  createApp,
  launchConsoleChromium,
  screenshot,
  signIn,
  type ConsoleApp,
} from './consoleClient.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';
import { waitFor } from './previewClient.js';

const FILE = 'public/index.html';

/**
 * An app's history from the console, in Chromium: the checkpoint timeline (restore one, fork
 * one into a new app) and snapshots (take, export as a tar, import it back with upload
 * progress, fork the import, delete one).
 */
describe('the console shows an app’s checkpoints and snapshots', () => {
  const dataDir = tempDataDir();
  let d: TestDaemon;
  let browser: Browser;
  let page: Page;
  let app: ConsoleApp;
  /** The two tasks, oldest first. */
  const tasks: Task[] = [];
  let exported: Buffer;
  let captured: Snapshot;

  before(async () => {
    d = await startDaemon({ dataDir });
    browser = await launchConsoleChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  after(async () => {
    await browser?.close();
    await d?.stop();
    await destroyEverything(dataDir);
  });

  const runTask = async (script: string): Promise<Task> => {
    const started = await d.api<Task>('POST', `/v1/sandboxes/${app.sandbox!.id}/tasks`, {
      provider: 'command',
      input: { script },
    });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    return started.body;
  };
  const finished = (id: string) =>
    waitFor(
      `task ${id} to finish`,
      async () => {
        const t = (await d.api<Task>('GET', `/v1/tasks/${id}`)).body;
        return ['queued', 'running'].includes(t.status) ? undefined : t;
      },
      300_000,
    );
  const fileOf = async (sandboxId: string): Promise<string> => {
    const res = await fetch(`${d.url}/v1/sandboxes/${sandboxId}/files?path=${FILE}`, {
      headers: { authorization: `Bearer ${d.token}` },
    });
    assert.equal(res.status, 200);
    return res.text();
  };
  /** After a fork, the console shows the new app's page: its id from the address. */
  const forkedApp = async (name: string): Promise<ConsoleApp> => {
    await page.locator('h1', { hasText: name }).waitFor({ timeout: 300_000 });
    const id = /\/apps\/([^/]+)/.exec(new URL(page.url()).pathname)?.[1];
    assert.ok(id, page.url());
    const got = await d.api<ConsoleApp>('GET', `/v1/apps/${id}`);
    assert.equal(got.body.name, name);
    return got.body;
  };
  const checkpoint = (sha: string) => page.locator(`[data-testid="checkpoint"][data-sha="${sha}"]`);

  it('says there are no checkpoints before the first task', async () => {
    await signIn(page, d);
    app = await createApp(page, d, 'history-site', 'static');
    await page.getByTestId('app-tab-checkpoints').click();
    const empty = page.getByTestId('checkpoints-empty');
    await empty.waitFor({ timeout: 120_000 });
    assert.match(await empty.innerText(), /No checkpoints yet: run a task on the Build tab/);
  });

  it('lists two tasks’ checkpoints newest first, with their scripts and changes', async () => {
    // Queued back to back: the second waits for the first.
    const one = await runTask(`printf '<h1>Version one</h1>\\n' > ${FILE}`);
    const two = await runTask(`printf '<h1>Version two</h1>\\n' > ${FILE}`);
    for (const t of [one, two]) {
      const done = await finished(t.id);
      assert.equal(done.status, 'succeeded', done.status_reason ?? '');
      tasks.push(done);
    }
    const [first, second] = tasks.map((t) => t.result!.checkpoint!);
    await page.reload();
    await checkpoint(second!).waitFor({ timeout: 120_000 });
    const listed = await page
      .locator(
        '[data-testid="checkpoint"][data-kind="task"], [data-testid="checkpoint"][data-head="true"]',
      )
      .evaluateAll((els) => els.map((el) => el.getAttribute('data-sha')));
    assert.deepEqual(listed.slice(0, 2), [second, first], 'newest first');
    const newest = checkpoint(second!);
    assert.equal(await newest.getAttribute('data-head'), 'true');
    assert.match(await newest.innerText(), /Current/);
    assert.match(await newest.getByTestId('checkpoint-summary').innerText(), /Version two/);
    assert.match(await newest.innerText(), /command/);
    assert.match(await newest.innerText(), /1 file changed/);
    assert.equal(await newest.getByTestId('checkpoint-sha').innerText(), second!.slice(0, 12));
    assert.match(await checkpoint(first!).innerText(), /Version one/);
    await assertAccessible(page, 'the checkpoints section');
    await screenshot(page, 'checkpoints');
  });

  it('restores the older checkpoint after a confirm that names it', async () => {
    const first = tasks[0]!.result!.checkpoint!;
    await checkpoint(first).getByTestId('checkpoint-restore').click();
    const dialog = page.getByRole('dialog', { name: `Restore checkpoint ${first.slice(0, 12)}?` });
    await dialog.waitFor();
    const text = await dialog.innerText();
    assert.match(text, /current files and any uncommitted changes are replaced/);
    assert.match(text, /Version one/);
    assert.match(text, /One newer checkpoint comes after it/);
    await assertAccessible(page, 'the restore dialog');
    // Escape closes it without restoring; then again, and restore.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.match(await fileOf(app.sandbox!.id), /Version two/);
    await page.getByRole('button', { name: `Restore checkpoint ${first.slice(0, 12)}…` }).click();
    await dialog.getByRole('button', { name: 'Restore' }).click();
    const done = page.getByTestId('checkpoint-restored');
    await done.waitFor({ timeout: 120_000 });
    assert.match(await done.innerText(), new RegExp(first.slice(0, 12)));
    assert.match(await fileOf(app.sandbox!.id), /Version one/);
    // The restore is the new current checkpoint, on top of the others.
    await page
      .locator('[data-testid="checkpoint"][data-kind="restore"][data-head="true"]')
      .waitFor({ timeout: 30_000 });
  });

  it('forks the newer checkpoint into a new app and shows its page', async () => {
    const second = tasks[1]!.result!.checkpoint!;
    await checkpoint(second).getByTestId('checkpoint-fork').click();
    const dialog = page.getByRole('dialog', { name: 'Fork to a new app' });
    await dialog.getByRole('textbox', { name: "New app's name" }).fill('history-fork');
    await dialog.getByRole('button', { name: 'Fork to new app' }).click();
    const fork = await forkedApp('history-fork');
    assert.notEqual(fork.id, app.id);
    assert.match(await fileOf(fork.sandbox!.id), /Version two/);
  });

  it('takes a snapshot, with progress, and lists it', async () => {
    await page.goto(`${d.url}/apps/${app.id}/snapshots`);
    await page.getByTestId('snapshots-empty').waitFor({ timeout: 60_000 });
    await page.getByRole('textbox', { name: 'Name' }).fill('version one');
    await page.getByRole('button', { name: 'Take snapshot' }).click();
    const taken = page.getByTestId('snapshot-taken');
    await taken.waitFor({ timeout: 120_000 });
    assert.match(await taken.innerText(), /Snapshot “version one” taken/);
    const row = page
      .getByTestId('snapshot-list')
      .locator('[data-testid="snapshot"][data-status="ready"]');
    await row.waitFor({ timeout: 30_000 });
    assert.equal(await row.getByTestId('snapshot-name').innerText(), 'version one');
    const id = await row.getAttribute('data-snapshot');
    captured = (await d.api<Snapshot>('GET', `/v1/snapshots/${id}`)).body;
    assert.equal(captured.status, 'ready');
  });

  it('exports the snapshot as a tar download', async () => {
    const row = page.locator(`[data-testid="snapshot"][data-snapshot="${captured.id}"]`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.getByTestId('snapshot-export').click(),
    ]);
    assert.equal(download.suggestedFilename(), `${captured.id}.tar`);
    exported = await readFile((await download.path())!);
    assert.ok(exported.length > 1024, `${exported.length} bytes`);
    // A POSIX tar: "ustar" in the first header block.
    assert.equal(exported.subarray(257, 262).toString('latin1'), 'ustar');
  });

  it('imports the tar back with upload progress, and forks the import into a new app', async () => {
    await page.getByLabel('Archive (.tar or .tar.gz)').setInputFiles({
      name: 'exported.tar',
      mimeType: 'application/x-tar',
      buffer: exported,
    });
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const progress = page.locator('[data-testid="snapshot-import-progress"][data-state="done"]');
    await progress.waitFor({ timeout: 120_000 });
    assert.equal(await progress.locator('progress').getAttribute('value'), '100');
    assert.match(await progress.innerText(), /imported/);
    const offer = page.getByTestId('snapshot-imported');
    assert.match(await offer.innerText(), /Imported “exported”/);
    const imported = page
      .getByTestId('imported-list')
      .locator('[data-testid="snapshot"][data-source="import"]');
    await imported.waitFor();
    assert.equal(await imported.getByTestId('snapshot-name').innerText(), 'exported');
    await assertAccessible(page, 'the snapshots section');
    await screenshot(page, 'snapshots');

    await offer.getByRole('button', { name: 'Fork to new app…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Fork to a new app' });
    await dialog.getByRole('textbox', { name: "New app's name" }).fill('imported-fork');
    await dialog.getByRole('button', { name: 'Fork to new app' }).click();
    const fork = await forkedApp('imported-fork');
    assert.match(await fileOf(fork.sandbox!.id), /Version one/);
  });

  it('deletes a snapshot after a confirm', async () => {
    await page.goto(`${d.url}/apps/${app.id}/snapshots`);
    // The import is remembered on this app's page.
    await page.getByTestId('imported-list').waitFor({ timeout: 30_000 });
    const row = page.locator(`[data-testid="snapshot"][data-snapshot="${captured.id}"]`);
    await row.getByRole('button', { name: 'Delete snapshot version one…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete snapshot “version one”?' });
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.getByTestId('snapshot-message').filter({ hasText: 'Deleted' }).waitFor();
    await page.getByTestId('snapshots-empty').waitFor({ timeout: 30_000 });
    assert.equal((await d.api('GET', `/v1/snapshots/${captured.id}`)).status, 404);
  });
  it('fits both sections on a phone, nothing wider than the screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const tab of ['snapshots', 'checkpoints']) {
      await page.getByTestId(`app-tab-${tab}`).click();
      await page
        .getByTestId(tab === 'snapshots' ? 'imported-list' : 'checkpoint')
        .first()
        .waitFor({
          timeout: 60_000,
        });
      const widths = await page.evaluate(() => {
        const g = globalThis as unknown as {
          innerWidth: number;
          document: { documentElement: { scrollWidth: number } };
        };
        return { page: g.document.documentElement.scrollWidth, screen: g.innerWidth };
      });
      assert.ok(widths.page <= widths.screen, `${tab}: ${JSON.stringify(widths)}`);
    }
  });
});
