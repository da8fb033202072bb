import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * An S3-compatible server for tests and benches: s3rver (an emulator from the npm registry; it
 * keeps objects as files in a temporary directory) on 127.0.0.1 at an ephemeral port, with one
 * bucket made. Tests that use it say "(s3rver emulator)" in their names.
 *
 * It runs in a child process: s3rver signs ListObjectsV2 continuation tokens with DES, which
 * OpenSSL 3 serves only through its legacy provider (a node flag for that process alone), and a
 * test measuring this process's memory must not count the server's.
 */
export interface S3Emulator {
  endpoint: string;
  region: string;
  bucket: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  close(): Promise<void>;
}

const SERVER_SCRIPT = `
const S3rver = require(process.env.S3RVER_MODULE);
const server = new S3rver({
  address: '127.0.0.1', port: 0, directory: process.env.S3RVER_DIRECTORY, silent: true,
  vhostBuckets: false, configureBuckets: [{ name: process.env.S3RVER_BUCKET }],
});
server.run().then((address) => process.stdout.write(JSON.stringify({ port: address.port }) + '\\n'));
// The parent closing stdin (or dying) ends the server.
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
`;

export async function startS3Emulator(bucket = 'paddock-test'): Promise<S3Emulator> {
  const directory = await mkdtemp(join(tmpdir(), 'paddock-s3rver-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', SERVER_SCRIPT], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      S3RVER_MODULE: createRequire(import.meta.url).resolve('s3rver'),
      S3RVER_DIRECTORY: directory,
      S3RVER_BUCKET: bucket,
    },
  });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout });
  const first = await Promise.race([
    once(lines, 'line').then(([line]) => String(line)),
    exited.then(([code]) => {
      throw new Error(`s3rver exited before it listened (code ${String(code)})`);
    }),
  ]);
  const { port } = JSON.parse(first) as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    bucket,
    // s3rver's fixed pair: not a secret.
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    async close() {
      child.stdin.end();
      await exited;
      await rm(directory, { recursive: true, force: true });
    },
  };
}
