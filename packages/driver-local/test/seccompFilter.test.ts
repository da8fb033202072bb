// The seccomp filter as the kernel runs it: a small classic-BPF interpreter evaluates the built
// program against seccomp_data records, so each rule is checked without a sandbox (the
// in-sandbox check, with real syscalls, is in test/sandboxSeccomp.test.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSeccompFilter } from '../src/seccomp/seccompFilter.js';
import {
  AUDIT_ARCH,
  DENIED_SYSCALLS,
  SYSCALL_NUMBERS,
  type SeccompArch,
} from '../src/seccomp/syscallPolicy.js';

const ALLOW = 0x7fff0000;
const EPERM = 0x00050001;
const ENOSYS = 0x00050026;

/** Runs a seccomp program on {nr, arch, args[0]} the way the kernel does (the opcodes it uses). */
function run(program: Buffer, data: { nr: number; arch: number; arg0?: number }): number {
  const word = (offset: number): number => {
    if (offset === 0) return data.nr >>> 0;
    if (offset === 4) return data.arch >>> 0;
    if (offset === 16) return (data.arg0 ?? 0) >>> 0;
    throw new Error(`unexpected load at ${offset}`);
  };
  let acc = 0;
  for (let pc = 0; pc < program.length / 8;) {
    const code = program.readUInt16LE(pc * 8);
    const jt = program.readUInt8(pc * 8 + 2);
    const jf = program.readUInt8(pc * 8 + 3);
    const k = program.readUInt32LE(pc * 8 + 4);
    pc++;
    switch (code) {
      case 0x20:
        acc = word(k);
        break;
      case 0x15:
        pc += acc === k ? jt : jf;
        break;
      case 0x35:
        pc += acc >= k ? jt : jf;
        break;
      case 0x45:
        pc += (acc & k) !== 0 ? jt : jf;
        break;
      case 0x06:
        return k;
      default:
        throw new Error(`unexpected opcode ${code}`);
    }
  }
  throw new Error('the program ran off its end');
}

for (const arch of ['x64', 'arm64'] as SeccompArch[]) {
  describe(`the ${arch} seccomp filter`, () => {
    const program = buildSeccompFilter(arch);
    const numbers = SYSCALL_NUMBERS[arch];
    const native = AUDIT_ARCH[arch];

    it('answers EPERM to every denied call', () => {
      for (const name of Object.keys(DENIED_SYSCALLS)) {
        assert.equal(run(program, { nr: numbers[name]!, arch: native }), EPERM, name);
      }
    });

    it('allows everything else, ptrace and seccomp included', () => {
      const denied = new Set(
        [...Object.keys(DENIED_SYSCALLS), 'clone', 'clone3'].map((n) => numbers[n]),
      );
      for (let nr = 0; nr < 460; nr++) {
        if (denied.has(nr)) continue;
        assert.equal(run(program, { nr, arch: native }), ALLOW, `syscall ${nr}`);
      }
    });

    it('answers clone3 with ENOSYS, and clone with a new namespace with EPERM', () => {
      assert.equal(run(program, { nr: numbers.clone3!, arch: native }), ENOSYS);
      const clone = numbers.clone!;
      const SIGCHLD = 17;
      const THREAD = 0x3d0f00; // CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID
      assert.equal(run(program, { nr: clone, arch: native, arg0: SIGCHLD }), ALLOW);
      assert.equal(run(program, { nr: clone, arch: native, arg0: THREAD }), ALLOW);
      for (const flag of [
        0x80, 0x20000, 0x2000000, 0x4000000, 0x8000000, 0x10000000, 0x20000000, 0x40000000,
      ]) {
        assert.equal(
          run(program, { nr: clone, arch: native, arg0: SIGCHLD | flag }),
          EPERM,
          flag.toString(16),
        );
      }
    });

    it("refuses another architecture's entry whole", () => {
      const I386 = 0x40000003;
      const other = arch === 'x64' ? I386 : AUDIT_ARCH.x64;
      assert.equal(run(program, { nr: 0, arch: other }), EPERM);
    });
  });
}

it('refuses the x32 ABI on x86-64', () => {
  const program = buildSeccompFilter('x64');
  assert.equal(run(program, { nr: 0x40000000 | 0, arch: AUDIT_ARCH.x64 }), EPERM);
});
