import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { PaddockError } from '@paddock/shared';
import { runCommand } from './hostCommands.js';

/** Mount points are octal-escaped in /proc/self/mountinfo (`\040` for a space). */
export function unescapeMountPath(raw: string): string {
  return raw.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Every mount point currently visible to the daemon. */
export function mountPoints(): string[] {
  const text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const field = line.split(' ')[4];
    if (field !== undefined) out.push(unescapeMountPath(field));
  }
  return out;
}

export function isMountPoint(dir: string): boolean {
  return mountPoints().includes(dir);
}

/**
 * Unmount everything stacked on `dir`: a polite umount first, retried while the last processes
 * of a killed sandbox let go, and a lazy detach as the last resort so stop never hangs.
 */
export async function unmountAll(umountBin: string, dir: string): Promise<void> {
  for (let attempt = 0; isMountPoint(dir); attempt++) {
    const lazy = attempt >= 10;
    const r = await runCommand(umountBin, lazy ? ['-l', dir] : [dir]);
    if (r.code === 0) continue;
    if (attempt >= 12) {
      throw new PaddockError('driver_error', `cannot unmount ${dir}: ${r.stderr.trim()}`);
    }
    await sleep(50 * (attempt + 1));
  }
}
