import { refuse } from './refusal.js';

/** Bit 11 of the general purpose flags: the name is UTF-8. */
const UTF8_FLAG = 0x800;
const MAX_PATH_BYTES = 1024;
const MAX_SEGMENT_BYTES = 255;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export interface EntryName {
  /** The name without a directory's trailing slash. */
  path: string;
  isDir: boolean;
  /** NFC + lower case: two entries with the same key would land on one file somewhere. */
  key: string;
}

/**
 * Decodes and checks an entry's raw name from the central directory. Only the raw bytes count:
 * the Info-ZIP Unicode path field is ignored, so every zip reader sees the name we checked.
 * Names must be UTF-8 (flagged or not; CP437 is not guessed at).
 */
export function parseEntryName(raw: Buffer, flags: number): EntryName {
  let name: string;
  try {
    name = utf8.decode(raw);
  } catch {
    const hint = (flags & UTF8_FLAG) !== 0 ? 'flagged UTF-8 but is not' : 'is not UTF-8';
    throw refuse('package_unsafe_path', `an entry name ${hint}`, raw.toString('latin1'));
  }
  const problem = nameProblem(name);
  if (problem !== null) throw refuse('package_unsafe_path', problem, name);
  const isDir = name.endsWith('/');
  const path = isDir ? name.slice(0, -1) : name;
  return { path, isDir, key: foldKey(path) };
}

export function foldKey(path: string): string {
  return path.normalize('NFC').toLowerCase();
}

function nameProblem(name: string): string | null {
  if (name.length === 0 || name === '/') return 'empty entry name';
  if (hasControl(name)) return 'control character in entry name';
  if (name.includes('\\')) return 'backslash in entry name';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'absolute entry name';
  if (Buffer.byteLength(name) > MAX_PATH_BYTES) return 'entry name too long';
  const segments = (name.endsWith('/') ? name.slice(0, -1) : name).split('/');
  for (const s of segments) {
    if (s === '') return 'empty segment in entry name';
    if (s === '..') return '".." segment in entry name';
    if (s === '.') return '"." segment in entry name';
    if (Buffer.byteLength(s) > MAX_SEGMENT_BYTES) return 'entry name segment too long';
  }
  return null;
}

/** C0, DEL and C1 controls, NUL included. */
function hasControl(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}
