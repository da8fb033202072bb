/** A cgroup (v1) or cgroup2 mount as /proc/self/mountinfo describes it. */
export interface CgroupMount {
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

/** cgroup and cgroup2 mounts from /proc/self/mountinfo text. */
export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const mountPoint = line.split(' ')[4];
    const [fsType, , superOpts] = line.slice(sep + 3).split(' ');
    if (mountPoint === undefined || (fsType !== 'cgroup' && fsType !== 'cgroup2')) continue;
    out.push({ mountPoint, fsType, superOptions: (superOpts ?? '').split(',') });
  }
  return out;
}
