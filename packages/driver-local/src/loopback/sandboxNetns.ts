import fs from 'node:fs';

/**
 * A sandbox's network namespace, opened from one of its processes (`processes` lists the pids
 * of its cgroup). The fd is then checked against the group's processes again, so a pid reused
 * between listing and opening cannot hand out another namespace. Null when none of them is in
 * a namespace of its own (the sandbox is not running).
 */
export async function openSandboxNetns(processes: () => Promise<number[]>): Promise<number | null> {
  const own = fs.readlinkSync('/proc/self/ns/net');
  const nsOf = (pid: number): string | null => {
    try {
      return fs.readlinkSync(`/proc/${pid}/ns/net`);
    } catch {
      return null;
    }
  };
  for (const pid of await processes()) {
    const ns = nsOf(pid);
    if (ns === null || ns === own) continue;
    let fd: number;
    try {
      fd = fs.openSync(`/proc/${pid}/ns/net`, 'r');
    } catch {
      continue;
    }
    const opened = `net:[${fs.fstatSync(fd).ino}]`;
    if (opened !== own && (await processes()).some((p) => nsOf(p) === opened)) {
      return fd;
    }
    fs.closeSync(fd);
  }
  return null;
}
