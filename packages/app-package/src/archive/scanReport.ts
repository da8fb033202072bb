import type { PackageEntry } from './walk.js';

export type FileKind = 'script' | 'markup' | 'style' | 'data' | 'image' | 'font' | 'other';

/** What a package holds, in numbers and by kind: stored with an install, shown before one. */
export interface ScanReport {
  files: number;
  totalBytes: number;
  /** Files that run as code: .js, .mjs, .cjs, .ts, .sh, .py. */
  scripts: number;
  /** Every file's path under its kind, in package order. */
  byKind: Record<FileKind, string[]>;
}

const KIND_BY_EXTENSION: Record<string, FileKind> = {
  js: 'script',
  mjs: 'script',
  cjs: 'script',
  ts: 'script',
  sh: 'script',
  py: 'script',
  html: 'markup',
  htm: 'markup',
  svg: 'markup',
  css: 'style',
  json: 'data',
  yaml: 'data',
  yml: 'data',
  toml: 'data',
  txt: 'data',
  md: 'data',
  csv: 'data',
  png: 'image',
  jpg: 'image',
  jpeg: 'image',
  gif: 'image',
  webp: 'image',
  ico: 'image',
  woff: 'font',
  woff2: 'font',
  ttf: 'font',
  otf: 'font',
};

export function fileKind(path: string): FileKind {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return 'other';
  return KIND_BY_EXTENSION[base.slice(dot + 1).toLowerCase()] ?? 'other';
}

export function scanReport(entries: readonly PackageEntry[]): ScanReport {
  const byKind: Record<FileKind, string[]> = {
    script: [],
    markup: [],
    style: [],
    data: [],
    image: [],
    font: [],
    other: [],
  };
  let files = 0;
  let totalBytes = 0;
  for (const e of entries) {
    if (e.type !== 'file') continue;
    files++;
    totalBytes += e.size;
    byKind[fileKind(e.path)].push(e.path);
  }
  return { files, totalBytes, scripts: byKind.script.length, byKind };
}
