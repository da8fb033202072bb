/**
 * What a sandbox may not call, and why: the one table the seccomp filter is built from
 * (seccompFilter.ts). Denied calls answer EPERM, so programs see an ordinary refusal and
 * degrade (libuv falls back from io_uring, glibc from clone3) rather than being killed.
 *
 * Allowed on purpose: `ptrace`. A filter cannot see whose process a call targets, and the
 * sandbox's own pid namespace already limits it to the sandbox's processes; debuggers and
 * `strace` are tools people build with. `seccomp` and `prctl` stay allowed so programs can
 * sandbox themselves further (a filter can only add restrictions).
 */
export const DENIED_SYSCALLS: Readonly<Record<string, string>> = {
  // The kernel keyring: per-user state shared beyond the sandbox, and a frequent exploit path.
  keyctl: 'kernel keyring',
  add_key: 'kernel keyring',
  request_key: 'kernel keyring',
  // Kernel attack surface no app needs.
  bpf: 'eBPF programs',
  perf_event_open: 'performance counters (kernel and side-channel surface)',
  userfaultfd: 'a favourite tool for widening kernel races',
  io_uring_setup: 'io_uring: a large, often-exploited interface (libuv falls back)',
  io_uring_enter: 'io_uring',
  io_uring_register: 'io_uring',
  // The machine's, not a sandbox's.
  kexec_load: 'loading a new kernel',
  kexec_file_load: 'loading a new kernel',
  init_module: 'kernel modules',
  finit_module: 'kernel modules',
  delete_module: 'kernel modules',
  reboot: 'the host',
  swapon: 'the host',
  swapoff: 'the host',
  acct: 'the host',
  syslog: "the kernel's log",
  // File handles bypass the path checks that bind mounts rely on.
  open_by_handle_at: 'opens files by handle, around the mount tree',
  name_to_handle_at: 'file handles',
  // The mount family and namespaces: the sandbox's view of the world is the driver's to set.
  mount: 'mounts',
  umount2: 'mounts',
  pivot_root: 'mounts',
  move_mount: 'mounts',
  open_tree: 'mounts',
  fsopen: 'mounts',
  fsconfig: 'mounts',
  fsmount: 'mounts',
  fspick: 'mounts',
  mount_setattr: 'mounts',
  setns: 'joining other namespaces',
  unshare: 'new namespaces',
};

/**
 * Answered ENOSYS, not EPERM: `clone3` passes its flags in memory a filter cannot read, so it is
 * refused as if the kernel were older, and glibc falls back to `clone`, whose flags are checked.
 */
export const UNAVAILABLE_SYSCALLS: readonly string[] = ['clone3'];

/** `clone` with any of these flags (a new namespace) is refused; threads and forks pass. */
export const CLONE_NAMESPACE_FLAGS =
  0x00000080 | // CLONE_NEWTIME
  0x00020000 | // CLONE_NEWNS
  0x02000000 | // CLONE_NEWCGROUP
  0x04000000 | // CLONE_NEWUTS
  0x08000000 | // CLONE_NEWIPC
  0x10000000 | // CLONE_NEWUSER
  0x20000000 | // CLONE_NEWPID
  0x40000000; // CLONE_NEWNET

export type SeccompArch = 'x64' | 'arm64';

/** The kernel's AUDIT_ARCH_* value for each architecture the filter is built for. */
export const AUDIT_ARCH: Readonly<Record<SeccompArch, number>> = {
  x64: 0xc000003e,
  arm64: 0xc00000b7,
};

/**
 * Syscall numbers, from the kernel's headers (x86_64: asm/unistd_64.h; arm64: the generic table,
 * asm-generic/unistd.h). Only the calls named above.
 */
export const SYSCALL_NUMBERS: Readonly<Record<SeccompArch, Readonly<Record<string, number>>>> = {
  x64: {
    keyctl: 250,
    add_key: 248,
    request_key: 249,
    bpf: 321,
    perf_event_open: 298,
    userfaultfd: 323,
    io_uring_setup: 425,
    io_uring_enter: 426,
    io_uring_register: 427,
    kexec_load: 246,
    kexec_file_load: 320,
    init_module: 175,
    finit_module: 313,
    delete_module: 176,
    reboot: 169,
    swapon: 167,
    swapoff: 168,
    acct: 163,
    syslog: 103,
    open_by_handle_at: 304,
    name_to_handle_at: 303,
    mount: 165,
    umount2: 166,
    pivot_root: 155,
    move_mount: 429,
    open_tree: 428,
    fsopen: 430,
    fsconfig: 431,
    fsmount: 432,
    fspick: 433,
    mount_setattr: 442,
    setns: 308,
    unshare: 272,
    clone: 56,
    clone3: 435,
  },
  arm64: {
    keyctl: 219,
    add_key: 217,
    request_key: 218,
    bpf: 280,
    perf_event_open: 241,
    userfaultfd: 282,
    io_uring_setup: 425,
    io_uring_enter: 426,
    io_uring_register: 427,
    kexec_load: 104,
    kexec_file_load: 294,
    init_module: 105,
    finit_module: 273,
    delete_module: 106,
    reboot: 142,
    swapon: 224,
    swapoff: 225,
    acct: 89,
    syslog: 116,
    open_by_handle_at: 265,
    name_to_handle_at: 264,
    mount: 40,
    umount2: 39,
    pivot_root: 41,
    move_mount: 429,
    open_tree: 428,
    fsopen: 430,
    fsconfig: 431,
    fsmount: 432,
    fspick: 433,
    mount_setattr: 442,
    setns: 268,
    unshare: 97,
    clone: 220,
    clone3: 435,
  },
};
