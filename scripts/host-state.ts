/**
 * What the test suite may leave on the host, so scripts/test.sh can check it leaves the host as
 * it found it (issue 20):
 *
 *   node --import tsx scripts/host-state.ts save FILE    # before the suite
 *   node --import tsx scripts/host-state.ts check FILE   # after: exit 1 on anything new
 *
 * The state: sandbox leftovers `paddock gc` would report (processes, mounts, loop devices,
 * cgroups, uid claims, runtime dirs of data dirs that are gone or whose daemon is not running),
 * every loop device and every mount below the temp dir, Paddock's temp entries, and the
 * processes a test starts beside its daemons (bubblewrap, Chromium, the S3 emulator, the npm
 * registry, a daemon).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findLeftovers } from '@paddock/driver-local';

/** Temp entries the tests and the daemon make (data dirs, certificates, zips, registries). */
const TEMP_NAME = /^(pdk|paddock)[-_]/;
/** Processes that belong to a test, by their command line. */
const TEST_PROCESS = /\b(bwrap|chromium|s3rver|verdaccio)\b|paddock\.js serve/;

type State = string[];

async function snapshot(): Promise<State> {
  const out: string[] = [];
  for (const dir of await findLeftovers({ include: 'gone_or_dead' })) {
    for (const item of dir.items) out.push(`leftover ${item.kind} ${item.id} (${item.why})`);
  }
  const tmp = os.tmpdir();
  for (const name of fs.readdirSync(tmp)) {
    if (TEMP_NAME.test(name)) out.push(`temp ${path.join(tmp, name)}`);
  }
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const where = line.split(' ')[4];
    if (where?.startsWith(`${tmp}/`)) out.push(`mount ${where}`);
  }
  const loops = execFileSync('losetup', ['--list', '--noheadings', '--output', 'NAME,BACK-FILE'], {
    encoding: 'utf8',
  });
  for (const line of loops.split('\n').filter(Boolean)) out.push(`loop ${line.trim()}`);
  for (const pid of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let cmdline: string;
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {
      continue; // gone meanwhile
    }
    if (TEST_PROCESS.test(cmdline)) out.push(`process ${pid} ${cmdline.slice(0, 160)}`);
  }
  return out.sort();
}

async function main(): Promise<number> {
  const [mode, file] = process.argv.slice(2);
  if ((mode !== 'save' && mode !== 'check') || !file) {
    console.error('usage: host-state.ts save|check FILE');
    return 2;
  }
  if (mode === 'save') {
    fs.writeFileSync(file, JSON.stringify(await snapshot()));
    return 0;
  }
  const before = new Set(JSON.parse(fs.readFileSync(file, 'utf8')) as State);
  const added = (await snapshot()).filter((s) => !before.has(s));
  if (added.length === 0) {
    console.error('the host is as the test suite found it');
    return 0;
  }
  console.error(`the test suite left ${added.length} thing(s) on the host:`);
  for (const s of added) console.error(`  ${s}`);
  return 1;
}

process.exitCode = await main();
