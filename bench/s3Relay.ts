/**
 * The floor of any S3 broker on this machine: a bare relay, in a process of its own like the
 * daemon, that streams a PUT's body into the same multipart upload the S3 backend makes and a
 * GET's object back, with no authentication, audit, quota or metrics. bench/filestore.ts runs
 * it beside the daemon; its address is printed as one JSON line.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const bucket = env('RELAY_BUCKET');
const client = new S3Client({
  endpoint: env('RELAY_ENDPOINT'),
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: env('RELAY_KEY_ID'), secretAccessKey: env('RELAY_SECRET') },
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});

const server = http.createServer((req, res) => {
  const key = `relay${new URL(req.url ?? '/', 'http://relay').pathname}`;
  const fail = (err: unknown) => {
    res.writeHead(502).end(String(err));
  };
  if (req.method === 'PUT') {
    new Upload({
      client,
      params: { Bucket: bucket, Key: key, Body: req },
      partSize: 8 * 1024 * 1024,
      queueSize: 2,
    })
      .done()
      .then(() => res.writeHead(200).end('{}'), fail);
  } else {
    client
      .send(new GetObjectCommand({ Bucket: bucket, Key: key }))
      .then((object) => {
        res.writeHead(200, { 'content-length': String(object.ContentLength ?? 0) });
        return pipeline(object.Body as Readable, res);
      })
      .catch(fail);
  }
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
