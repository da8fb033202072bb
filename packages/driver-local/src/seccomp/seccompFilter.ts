import {
  AUDIT_ARCH,
  CLONE_NAMESPACE_FLAGS,
  DENIED_SYSCALLS,
  SYSCALL_NUMBERS,
  UNAVAILABLE_SYSCALLS,
  type SeccompArch,
} from './syscallPolicy.js';

// Classic BPF, as seccomp runs it (linux/filter.h, linux/seccomp.h).
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const JSET_K = 0x45;
const RET_K = 0x06;
const RET_ALLOW = 0x7fff0000;
const RET_ERRNO = 0x00050000;
const EPERM = 1;
const ENOSYS = 38;
/** struct seccomp_data: nr at 0, arch at 4, args[i] at 16 + 8i (low word first). */
const NR = 0;
const ARCH = 4;
const ARG0_LOW = 16;
/** x32 system calls on x86-64 carry this bit; the filter refuses the whole ABI. */
const X32_SYSCALL_BIT = 0x40000000;

type Target = 'allow' | 'eperm' | 'enosys' | 'clone';
type Insn =
  { op: number; k: number } | { op: number; k: number; then: Target | null; else: Target | null };

/**
 * The filter for one architecture, as bubblewrap's `--seccomp FD` reads it: an array of
 * `struct sock_filter` (u16 code, u8 jt, u8 jf, u32 k; little-endian). Another architecture's
 * entry (32-bit code on x86-64) and x32 calls are refused whole.
 */
export function buildSeccompFilter(arch: SeccompArch): Buffer {
  const numbers = SYSCALL_NUMBERS[arch];
  const nr = (name: string): number => {
    const n = numbers[name];
    if (n === undefined) throw new Error(`no ${arch} number for ${name}`);
    return n;
  };
  const body: Insn[] = [
    { op: LD_W_ABS, k: ARCH },
    { op: JEQ_K, k: AUDIT_ARCH[arch], then: null, else: 'eperm' },
    { op: LD_W_ABS, k: NR },
    ...(arch === 'x64'
      ? [{ op: JGE_K, k: X32_SYSCALL_BIT, then: 'eperm', else: null } as Insn]
      : []),
    ...Object.keys(DENIED_SYSCALLS).map((name): Insn => ({
      op: JEQ_K,
      k: nr(name),
      then: 'eperm',
      else: null,
    })),
    ...UNAVAILABLE_SYSCALLS.map((name): Insn => ({
      op: JEQ_K,
      k: nr(name),
      then: 'enosys',
      else: null,
    })),
    { op: JEQ_K, k: nr('clone'), then: 'clone', else: 'allow' },
  ];
  // Jumps only go forward: the clone check first, then the answers it and the body jump to.
  const tail: Array<[Target, Insn[]]> = [
    [
      'clone',
      [
        { op: LD_W_ABS, k: ARG0_LOW },
        { op: JSET_K, k: CLONE_NAMESPACE_FLAGS, then: 'eperm', else: 'allow' },
      ],
    ],
    ['allow', [{ op: RET_K, k: RET_ALLOW }]],
    ['eperm', [{ op: RET_K, k: RET_ERRNO | EPERM }]],
    ['enosys', [{ op: RET_K, k: RET_ERRNO | ENOSYS }]],
  ];
  const program = [...body];
  const at = new Map<Target, number>();
  for (const [label, insns] of tail) {
    at.set(label, program.length);
    program.push(...insns);
  }
  const out = Buffer.alloc(program.length * 8);
  program.forEach((insn, i) => {
    // A null target falls through to the next instruction.
    const jump = (t: Target | null): number => {
      if (t === null) return 0;
      const offset = at.get(t)! - (i + 1);
      if (offset < 0 || offset > 255) throw new Error('seccomp filter jump out of range');
      return offset;
    };
    out.writeUInt16LE(insn.op, i * 8);
    out.writeUInt8('then' in insn ? jump(insn.then) : 0, i * 8 + 2);
    out.writeUInt8('then' in insn ? jump(insn.else) : 0, i * 8 + 3);
    out.writeUInt32LE(insn.k >>> 0, i * 8 + 4);
  });
  return out;
}

/** This machine's architecture as the filter knows it, or null when it has no table for it. */
export function hostSeccompArch(arch: string = process.arch): SeccompArch | null {
  return arch === 'x64' || arch === 'arm64' ? arch : null;
}
