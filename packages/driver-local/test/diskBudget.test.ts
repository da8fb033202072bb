/** Admission control: workspace images never promise more than the host's free disk. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_LIMITS, PaddockError } from '@paddock/shared';
import {
  assertDiskBudget,
  diskBudget,
  measureDisk,
  reserveFor,
  type DiskBudgetInput,
} from '../src/storage/diskBudget.js';
import { hostTraces, loopDevicesUnder, newId, openTestDriver, SMALL, waitFor } from './helpers.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const TiB = 1024 * GiB;

describe('diskBudget (arithmetic)', () => {
  it('reserves max(1 GiB, 5 % of the file system)', () => {
    assert.equal(reserveFor(10 * GiB), GiB);
    assert.equal(reserveFor(20 * GiB), GiB);
    assert.equal(reserveFor(100 * GiB), 5 * GiB);
    assert.equal(reserveFor(0), GiB);
  });

  it('admits an image only if it fits in free space minus the reserve and what existing images may still claim', () => {
    const base: DiskBudgetInput = {
      freeBytes: 10 * GiB,
      totalBytes: 100 * GiB, // reserve 5 GiB
      images: [
        { sizeBytes: 2 * GiB, allocatedBytes: 1 * GiB }, // may still claim 1 GiB
        { sizeBytes: 1 * GiB, allocatedBytes: 1 * GiB + 4096 }, // full: claims nothing, not less
      ],
      newImageBytes: 4 * GiB,
    };
    const fits = diskBudget(base);
    assert.deepEqual(fits, {
      reserveBytes: 5 * GiB,
      promisedBytes: 1 * GiB,
      neededBytes: 5 * GiB,
      grantableBytes: 5 * GiB,
      admitted: true,
    });
    assert.equal(diskBudget({ ...base, newImageBytes: 4 * GiB + 1 }).admitted, false);
    assert.equal(diskBudget({ ...base, images: [], newImageBytes: 5 * GiB }).admitted, true);
    // Less free space than the reserve: nothing is admitted, however small.
    assert.equal(
      diskBudget({ ...base, freeBytes: GiB, images: [], newImageBytes: MiB }).admitted,
      false,
    );
  });

  it('measures each image by its size and allocated blocks', (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-budget-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const image = path.join(dir, 'a.img');
    const fd = fs.openSync(image, 'w');
    fs.ftruncateSync(fd, 64 * MiB);
    fs.writeSync(fd, Buffer.alloc(MiB, 1), 0, MiB, 0);
    fs.fsyncSync(fd);
    fs.closeSync(fd);

    const m = measureDisk(dir, [image, path.join(dir, 'missing.img')], 8 * MiB);
    assert.equal(m.images.length, 1, 'a missing image is skipped');
    assert.equal(m.images[0]!.sizeBytes, 64 * MiB);
    const allocated = m.images[0]!.allocatedBytes;
    assert.ok(allocated >= MiB && allocated < 64 * MiB, `sparse: ${allocated} bytes allocated`);
    const st = fs.statfsSync(dir);
    assert.equal(m.totalBytes, st.blocks * st.bsize);
    assert.equal(m.newImageBytes, 8 * MiB);
  });

  it('refuses with insufficient_storage and the numbers in MiB', (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-budget-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const st = fs.statfsSync(dir);
    const free = st.bavail * st.bsize;
    assert.throws(
      () => assertDiskBudget(dir, [], free + TiB),
      (err: unknown) => {
        assert.ok(err instanceof PaddockError);
        assert.equal(err.code, 'insufficient_storage');
        assert.equal(err.status, 507);
        assert.match(
          err.message,
          /^not enough host disk for a \d+ MiB workspace: \d+ MiB free on the file system of /,
        );
        assert.match(
          err.message,
          /\d+ MiB of it kept in reserve, 0 MiB promised to 0 existing workspace/,
        );
        assert.match(err.message, /at most \d+ MiB can be granted now$/);
        return true;
      },
    );
    assertDiskBudget(dir, [], MiB); // a small image is fine on this host
  });
});

describe('disk admission in the driver', () => {
  it('refuses a sandbox larger than the free host disk with insufficient_storage and leaves nothing behind', async (t) => {
    const ids: string[] = [];
    const { driver, dataDir, cleanup } = await openTestDriver({
      newId: () => {
        const id = newId();
        ids.push(id);
        return id;
      },
    });
    t.after(() => cleanup());
    const st = fs.statfsSync(fs.realpathSync(dataDir));
    const diskMb = Math.ceil((st.bavail * st.bsize + TiB) / MiB);

    await assert.rejects(
      driver.create({ limits: { ...SMALL, disk_mb: diskMb } }),
      (err: unknown) => {
        assert.ok(err instanceof PaddockError);
        assert.equal(err.code, 'insufficient_storage');
        assert.match(err.message, new RegExp(`for a ${diskMb} MiB workspace`));
        return true;
      },
    );
    const id = ids.at(-1)!;
    assert.deepEqual(hostTraces(driver, id), []);
    const real = fs.realpathSync(dataDir);
    assert.deepEqual(fs.readdirSync(path.join(real, 'sandboxes')), []);
    assert.deepEqual(loopDevicesUnder(real), []);
    assert.deepEqual(await driver.list(), []);

    // A sandbox that fits is still admitted.
    const ok = await driver.create({ limits: SMALL });
    await driver.destroy(ok.id);
  });

  it('makes the warm pool log insufficient_storage and back off instead of filling the disk', async (t) => {
    const errors: Array<{ obj: object; msg: string }> = [];
    const st = fs.statfsSync(os.tmpdir());
    const diskMb = Math.ceil((st.bavail * st.bsize + TiB) / MiB);
    const { driver, dataDir, cleanup } = await openTestDriver({
      warmPoolSize: 1,
      poolLimits: { ...DEFAULT_LIMITS, disk_mb: diskMb },
      log: {
        info: () => undefined,
        warn: () => undefined,
        error: (obj, msg) => errors.push({ obj, msg }),
      },
    });
    t.after(() => cleanup());

    await waitFor(() => errors.length > 0, 30_000, 'the pool to report its failed boot');
    const first = errors[0]!;
    assert.equal(first.msg, 'warm pool: booting a sandbox failed');
    const { err, retry_ms } = first.obj as { err: unknown; retry_ms: number };
    assert.ok(err instanceof PaddockError && err.code === 'insufficient_storage');
    assert.ok(retry_ms > 0, 'retried with backoff');
    assert.equal(Number(driver.describe().details.warm_pool_ready), 0);
    await driver.close(); // stops the retries; cleanup closes again, which is fine
    assert.deepEqual(fs.readdirSync(path.join(fs.realpathSync(dataDir), 'sandboxes')), []);
  });
});
