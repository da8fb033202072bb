import fs from 'node:fs';
import path from 'node:path';
import type { HostTools } from '../host/hostCommands.js';
import { mustRun, runCommand } from '../host/hostCommands.js';
import { isMountPoint, unmountAll } from '../host/mountTable.js';

/**
 * The persistent workspace: an ext4 file system in a sparse image file of exactly `disk_mb`,
 * loop-mounted while the sandbox runs. The image is the disk limit: a full workspace fails
 * with ENOSPC inside the sandbox and the host file can never grow past the image size.
 */
export class WorkspaceDisk {
  constructor(private readonly tools: HostTools) {}

  /**
   * Make the image: sparse (costs ~1 MiB until used) and owned inside by the sandbox uid. The
   * file gets its full size before the first await: disk admission (diskBudget.ts) runs in the
   * same tick as this call and relies on the next check seeing the new image.
   */
  async create(image: string, diskMb: number, uid: number, gid: number): Promise<void> {
    const fd = fs.openSync(image, 'wx', 0o600);
    try {
      fs.ftruncateSync(fd, diskMb * 1024 * 1024);
    } finally {
      fs.closeSync(fd);
    }
    try {
      // Lazy init + nodiscard: a sparse file reads as zeros, so zeroing inode tables and the
      // journal up front would only burn time and host disk (5 ms and ~1 MiB instead of ~65 MiB).
      await mustRun(this.tools.mkfsExt4, [
        '-q',
        '-F',
        '-m',
        '0',
        '-E',
        `root_owner=${uid}:${gid},lazy_itable_init=1,lazy_journal_init=1,nodiscard`,
        image,
      ]);
    } catch (err) {
      fs.rmSync(image, { force: true });
      throw err;
    }
  }

  /** Mount at `mountPoint` (nosuid, nodev); `fresh` removes mkfs's lost+found once. */
  async mount(image: string, mountPoint: string, fresh: boolean): Promise<void> {
    if (isMountPoint(mountPoint)) return;
    // A loop device left on this image by a crash would mean two writers on one ext4.
    await this.detachLoops(image);
    fs.mkdirSync(mountPoint, { recursive: true, mode: 0o700 });
    // noinit_itable: never let the kernel zero inode tables into the sparse image in the background.
    await mustRun(this.tools.mount, [
      '-t',
      'ext4',
      '-o',
      'loop,nosuid,nodev,noinit_itable',
      image,
      mountPoint,
    ]);
    if (fresh) fs.rmSync(path.join(mountPoint, 'lost+found'), { recursive: true, force: true });
  }

  /** Unmount and make sure no loop device stays attached to the image. */
  async unmount(image: string, mountPoint: string): Promise<void> {
    await unmountAll(this.tools.umount, mountPoint);
    await this.detachLoops(image);
  }

  async remove(image: string, mountPoint: string): Promise<void> {
    await this.unmount(image, mountPoint);
    fs.rmSync(image, { force: true });
  }

  /** Loop devices backed by this image, e.g. `/dev/loop3`. */
  async loopDevices(image: string): Promise<string[]> {
    if (!fs.existsSync(image)) return [];
    const r = await runCommand(this.tools.losetup, ['-j', image]);
    if (r.code !== 0) return [];
    return r.stdout
      .split('\n')
      .map((line) => line.slice(0, line.indexOf(':')))
      .filter((dev) => dev.startsWith('/dev/'));
  }

  private async detachLoops(image: string): Promise<void> {
    for (const dev of await this.loopDevices(image)) {
      // A busy device is marked autoclear and goes away with its last user.
      await runCommand(this.tools.losetup, ['-d', dev]);
    }
  }
}
