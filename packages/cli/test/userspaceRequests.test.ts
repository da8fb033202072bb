/**
 * The userspace-app commands' requests and upload progress, without a daemon: what each
 * command's arguments turn into against the route contracts of @paddock/shared.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserspaceAppRoutes } from '@paddock/shared';
import { UsageError } from '../src/args.js';
import { UploadProgress } from '../src/commands/packageUpload.js';
import {
  getRequest,
  installRequest,
  listRequest,
  packageSource,
  PACKAGE_MEDIA_TYPE,
  publishRequest,
  rollbackRequest,
  uninstallRequest,
} from '../src/commands/userspaceRequests.js';

const ID = 'a'.repeat(52);

describe('userspace requests', () => {
  it('uploads a file as the raw body, sends a URL as JSON, consent in the query', () => {
    assert.deepEqual(installRequest(packageSource('./notes.paddockapp'), false), {
      method: 'POST',
      path: '/v1/userspace-apps',
      upload: './notes.paddockapp',
    });
    assert.deepEqual(installRequest(packageSource('https://example.com/n.paddockapp'), true), {
      method: 'POST',
      path: '/v1/userspace-apps?consent=true',
      json: { source_url: 'https://example.com/n.paddockapp' },
    });
    assert.throws(() => packageSource('http://example.com/n.paddockapp'), UsageError);
    assert.throws(() => packageSource('ftp://example.com/n.paddockapp'), UsageError);
    assert.ok(
      (UserspaceAppRoutes.install.schema.consumes as readonly string[]).includes(
        PACKAGE_MEDIA_TYPE,
      ),
    );
  });

  it('lists, gets, rolls back and publishes on the contracts’ URLs', () => {
    assert.equal(UserspaceAppRoutes.list.url, '/v1/userspace-apps');
    assert.deepEqual(listRequest(false), { method: 'GET', path: '/v1/userspace-apps' });
    assert.deepEqual(listRequest(true), { method: 'GET', path: '/v1/userspace-apps?trashed=true' });
    assert.equal(UserspaceAppRoutes.get.url, '/v1/userspace-apps/:id');
    assert.deepEqual(getRequest(ID), { method: 'GET', path: `/v1/userspace-apps/${ID}` });
    assert.equal(UserspaceAppRoutes.rollback.url, '/v1/userspace-apps/:id/rollback');
    assert.deepEqual(rollbackRequest(ID, true), {
      method: 'POST',
      path: `/v1/userspace-apps/${ID}/rollback`,
      json: { restore_data: true },
    });
    assert.deepEqual(rollbackRequest(ID, false).json, {});
    assert.equal(UserspaceAppRoutes.publish.url, '/v1/apps/:id/publish');
    assert.deepEqual(publishRequest('app01abc', true), {
      method: 'POST',
      path: '/v1/apps/app01abc/publish',
      json: { consent: true },
    });
  });

  it('trashes, or purges only with confirm', () => {
    assert.equal(UserspaceAppRoutes.delete.method, 'DELETE');
    assert.equal(uninstallRequest(ID, false, true).path, `/v1/userspace-apps/${ID}`);
    assert.equal(uninstallRequest(ID, true, false).path, `/v1/userspace-apps/${ID}?purge=true`);
    assert.equal(
      uninstallRequest(ID, true, true).path,
      `/v1/userspace-apps/${ID}?purge=true&confirm=true`,
    );
    assert.equal(uninstallRequest('../x', false, false).path, '/v1/userspace-apps/..%2Fx');
  });
});

describe('upload progress', () => {
  const output = (isTTY: boolean) => {
    const written: string[] = [];
    return { isTTY, written, write: (t: string) => written.push(t) };
  };

  it('on a terminal: redrawn in place, at most every 100 ms, then installing… until cleared', () => {
    const out = output(true);
    let now = 0;
    const p = new UploadProgress(4 * 1024 * 1024, out, () => now);
    p.add(1024 * 1024);
    now = 50;
    p.add(1024 * 1024);
    now = 150;
    p.add(1024 * 1024);
    now = 160;
    p.add(1024 * 1024);
    p.uploaded();
    p.end();
    assert.deepEqual(out.written, [
      '\r\x1b[Kuploading 1.0 MiB / 4.0 MiB  25%',
      '\r\x1b[Kuploading 3.0 MiB / 4.0 MiB  75%',
      '\r\x1b[Kuploading 4.0 MiB / 4.0 MiB  100%',
      '\ninstalling…',
      '\r\x1b[K',
    ]);
  });

  it('elsewhere: one line once the upload is done', () => {
    const out = output(false);
    const p = new UploadProgress(3000, out);
    p.add(1000);
    p.add(2000);
    p.uploaded();
    p.end();
    assert.deepEqual(out.written, ['uploaded 2.9 KiB (3000 bytes); installing…\n']);
  });
});
