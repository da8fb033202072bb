import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Frame, Page } from 'playwright-core';
import type { Task } from '@paddock/shared';
import {
  createApp,
  launchConsoleChromium,
  previewWithHeading,
  screenshot,
  signIn,
  type ConsoleApp,
} from './consoleClient.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';

const HEADING = 'Hello from React + Vite';
const EDITED = 'Built by a Paddock task';

/**
 * Building an app with tasks from the console, as a person would in Chromium: the composer,
 * the live stream, the verdict, the diff, the preview updating in place, the history, cancel,
 * an agent without its key, restoring to before a task, and the page on a phone.
 */
describe('the console builds an app with tasks', () => {
  const dataDir = tempDataDir();
  let d: TestDaemon;
  let browser: Browser;
  let page: Page;
  let app: ConsoleApp;
  let frame: Frame;

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

  /** The task shown in the task panel, once it has this status. */
  const taskRun = (status: string) =>
    page.locator(`[data-testid="task-run"][data-status="${status}"]`);

  it('shows an empty task panel, and says an agent without its key is not configured', async () => {
    await signIn(page, d);
    app = await createApp(page, d, 'tasks-vite', 'react-vite');
    frame = await previewWithHeading(page, 300_000);
    assert.equal(await frame.locator('h1').innerText(), HEADING);
    // Proof that the page is later updated in place by HMR, not reloaded.
    await frame.evaluate(() => {
      (globalThis as unknown as { paddockMarker: number }).paddockMarker = 7;
    });

    const empty = page.getByTestId('tasks-empty');
    await empty.waitFor();
    assert.match(await empty.innerText(), /Describe a change and run your first task/);

    const claude = page.locator('[data-testid="provider-option"][data-provider="claude-code"]');
    await page
      .locator(
        '[data-testid="provider-option"][data-provider="claude-code"][data-configured="false"]',
      )
      .waitFor({ timeout: 30_000 });
    assert.match(await claude.innerText(), /not configured/);
    await page.getByRole('radio', { name: /Claude Code/ }).check();
    const readiness = page.getByTestId('agent-readiness');
    await readiness.waitFor();
    assert.match(
      await readiness.innerText(),
      /claude-code needs ANTHROPIC_API_KEY: add it in the app's config/,
    );
    await page.getByRole('textbox', { name: 'Describe a change' }).fill('Make the heading blue');
    assert.equal(await page.getByRole('button', { name: /Run task/ }).isDisabled(), true);
    // How to add it names the app and the injection rule.
    await readiness.getByText('How to add it').click();
    const howto = await readiness.locator('pre').innerText();
    assert.ok(howto.includes(`/v1/apps/${app.id}/config`), howto);
    assert.match(howto, /"ANTHROPIC_API_KEY".*"api\.anthropic\.com"/);

    // With the key in the app's config (for agents), the picker says so.
    const set = await d.api('POST', `/v1/apps/${app.id}/config`, {
      key: 'CODEX_API_KEY',
      value: `sk-test-${'c'.repeat(24)}`,
      sensitive: true,
      access_policy: 'agent_access',
      inject: { hosts: ['api.openai.com'], header: 'Authorization', format: 'Bearer {value}' },
    });
    assert.equal(set.status, 201);
    await page
      .locator('[data-testid="provider-option"][data-provider="codex"][data-configured="true"]')
      .waitFor({ timeout: 30_000 });
    await page.getByRole('radio', { name: /Codex/ }).check();
    await page.locator('[data-testid="agent-readiness"][data-state="ready"]').waitFor();
  });

  it('runs a command task: its output streams, then its verdict, diff and the preview', async () => {
    await page.getByRole('radio', { name: /Command/ }).check();
    const script =
      'echo "editing the heading from a task"; ' + `sed -i 's/${HEADING}/${EDITED}/' src/App.tsx`;
    await page.getByRole('textbox', { name: 'Script' }).fill(script);
    await page.getByRole('button', { name: 'Run task' }).click();

    // The stream shows the command's output as the task runs (or as its log, if it was quick).
    const log = page.getByTestId('task-log');
    await log.filter({ hasText: 'editing the heading from a task' }).waitFor({ timeout: 120_000 });

    // The build check (tsc and vite build) runs after the command.
    const done = taskRun('succeeded');
    await done.waitFor({ timeout: 600_000 });
    const status = await page.getByTestId('task-status').innerText();
    assert.match(status, /Task succeeded/);
    const badges = Object.fromEntries(
      await done
        .getByTestId('verdict-badge')
        .evaluateAll((els) =>
          els.map((el) => [el.getAttribute('data-verdict'), (el.textContent ?? '').trim()]),
        ),
    ) as Record<string, string>;
    assert.match(badges.build ?? '', /^Build (passed|skipped)$/);
    assert.equal(badges.files, '1 file changed');
    assert.equal(badges.health, 'App healthy');
    assert.equal(badges.preview, 'Preview ok');
    assert.ok(badges.duration, 'a duration');

    const file = done.locator('[data-testid="diff-file"][data-path="src/App.tsx"]');
    await file.waitFor();
    assert.match(await file.locator('summary').innerText(), /src\/App\.tsx\s+\+1\s+−1/);
    assert.match(await file.locator('tr.diff-add').innerText(), new RegExp(EDITED));
    assert.match(await file.locator('tr.diff-del').innerText(), /Hello from React \+ Vite/);

    // Vite's HMR updated the preview in place.
    await frame.locator('h1', { hasText: EDITED }).waitFor({ timeout: 60_000 });
    const marker = await frame.evaluate(
      () => (globalThis as unknown as { paddockMarker?: number }).paddockMarker,
    );
    assert.equal(marker, 7, 'the preview was updated in place, not reloaded');

    // And the history lists it, with its script and the same verdict.
    const item = page.getByTestId('task-history-item').first();
    await item.and(page.locator('[data-status="succeeded"]')).waitFor({ timeout: 30_000 });
    assert.match(await item.innerText(), /editing the heading from a task/);
    const row = page.getByTestId('task-history').locator('li').first();
    assert.equal(
      await row.locator('[data-testid="verdict-badge"][data-verdict="files"]').innerText(),
      '1 file changed',
    );
    const listed = await d.api<{ items: Task[] }>('GET', `/v1/sandboxes/${app.sandbox!.id}/tasks`);
    assert.equal(listed.body.items[0]?.input.script, script);
    // The build view as the README shows it: a task's verdict and diff beside the live preview.
    await screenshot(page, 'build');
  });

  it('cancels a long task mid-run', async () => {
    await page.getByRole('textbox', { name: 'Script' }).fill('echo "going to sleep"; sleep 600');
    await page.getByRole('button', { name: 'Run task' }).click();
    const running = taskRun('running');
    await running.waitFor({ timeout: 120_000 });
    await page
      .getByTestId('task-log')
      .filter({ hasText: 'going to sleep' })
      .waitFor({ timeout: 120_000 });
    await page.getByRole('button', { name: 'Cancel task' }).click();
    await taskRun('canceled').waitFor({ timeout: 120_000 });
    assert.match(await page.getByTestId('task-status').innerText(), /Task canceled/);
    assert.equal(await page.getByRole('button', { name: 'Cancel task' }).count(), 0);

    const items = page.getByTestId('task-history-item');
    await page
      .locator('[data-testid="task-history-item"][data-status="canceled"]')
      .waitFor({ timeout: 30_000 });
    assert.equal(await items.count(), 2);
    assert.equal(await items.first().getAttribute('data-status'), 'canceled');
  });

  it('opens a task from the history, and restores to before it', async () => {
    const first = page.locator('[data-testid="task-history-item"][data-status="succeeded"]');
    await first.click();
    const done = taskRun('succeeded');
    await done.locator('[data-testid="diff-file"][data-path="src/App.tsx"]').waitFor();
    assert.equal(await first.getAttribute('aria-current'), 'true');

    await done.getByRole('button', { name: 'Restore to before this task…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Restore to before this task?' });
    await dialog.getByText('This replaces what the task changed').waitFor({ timeout: 60_000 });
    assert.match(await dialog.innerText(), /src\/App\.tsx/);
    await dialog.getByRole('button', { name: 'Restore' }).click();
    await page.getByTestId('restore-done').waitFor({ timeout: 120_000 });
    await frame.locator('h1', { hasText: HEADING }).waitFor({ timeout: 60_000 });
  });

  it('stacks the task side and the preview on a phone, with nothing wider than the screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const composer = await page.getByTestId('task-composer').boundingBox();
    const preview = await page.getByTestId('preview-frame').boundingBox();
    assert.ok(composer && preview);
    assert.ok(composer.y + composer.height <= preview.y, 'the preview is below the composer');
    // The page does not scroll sideways; if it does, the elements sticking out (outside any
    // box that scrolls or clips them) are named in the failure.
    const wide = await page.evaluate(() => {
      interface El {
        tagName: string;
        className: string;
        parentElement: El | null;
        getBoundingClientRect: () => { right: number };
      }
      const g = globalThis as unknown as {
        innerWidth: number;
        getComputedStyle: (el: El) => { overflowX: string };
        document: {
          documentElement: { scrollWidth: number };
          querySelectorAll: (s: string) => Iterable<El>;
        };
      };
      const width = g.document.documentElement.scrollWidth;
      if (width <= g.innerWidth) return [];
      // No named functions in here: the test's compiler would wrap them in a helper the page
      // does not have.
      const culprits: El[] = [];
      for (const el of g.document.querySelectorAll('body *')) {
        if (el.getBoundingClientRect().right <= g.innerWidth + 1) continue;
        let clipped = false;
        for (let up = el.parentElement; up && !clipped; up = up.parentElement) {
          clipped = g.getComputedStyle(up).overflowX !== 'visible';
        }
        if (!clipped) culprits.push(el);
      }
      return culprits
        .map((el) => `${el.tagName.toLowerCase()}.${String(el.className).replace(/ /g, '.')}`)
        .slice(0, 10)
        .concat(`(the page is ${width} px wide)`);
    });
    assert.deepEqual(wide, [], 'nothing is wider than the screen');
    // The preview can be shown at a phone's width, and reloaded.
    await page.getByRole('button', { name: 'Phone' }).click();
    assert.equal(
      await page.getByRole('button', { name: 'Phone' }).getAttribute('aria-pressed'),
      'true',
    );
    await page.getByRole('button', { name: 'Reload' }).click();
    const reloaded = await previewWithHeading(page);
    await reloaded.locator('h1', { hasText: HEADING }).waitFor();
  });
});
