import { UsageError } from '../args.js';

/**
 * The HTTP requests of the userspace-app commands, built from their arguments alone (the
 * contracts are `UserspaceAppRoutes` in @paddock/shared), so they can be checked without a
 * daemon.
 */

/** Where a package comes from: a local file (uploaded) or an https URL (the daemon fetches it). */
export type PackageSource = { kind: 'file'; path: string } | { kind: 'url'; url: string };

/** The media type a package is uploaded as. */
export const PACKAGE_MEDIA_TYPE = 'application/vnd.paddock.app';

export function packageSource(arg: string): PackageSource {
  if (/^https:\/\//i.test(arg)) return { kind: 'url', url: arg };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(arg)) {
    throw new UsageError(`only https URLs can be installed from, not ${JSON.stringify(arg)}`);
  }
  return { kind: 'file', path: arg };
}

export interface ApiRequest {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  json?: unknown;
}

const BASE = '/v1/userspace-apps';

function appPath(id: string): string {
  return `${BASE}/${encodeURIComponent(id)}`;
}

function query(params: Record<string, boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, 'true');
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

/**
 * `POST /v1/userspace-apps`: a file goes as the raw body (`PACKAGE_MEDIA_TYPE`), a URL as
 * `{"source_url"}`; `--consent` is the query's `consent=true`.
 */
export function installRequest(
  source: PackageSource,
  consent: boolean,
): ApiRequest & { upload?: string } {
  const path = `${BASE}${query({ consent })}`;
  return source.kind === 'file'
    ? { method: 'POST', path, upload: source.path }
    : { method: 'POST', path, json: { source_url: source.url } };
}

export function getRequest(id: string): ApiRequest {
  return { method: 'GET', path: appPath(id) };
}

export function listRequest(trashed: boolean): ApiRequest {
  return { method: 'GET', path: `${BASE}${query({ trashed })}` };
}

export function rollbackRequest(id: string, restoreData: boolean): ApiRequest {
  return {
    method: 'POST',
    path: `${appPath(id)}/rollback`,
    json: restoreData ? { restore_data: true } : {},
  };
}

/** `DELETE`: to the trash; with `purge`, for good (`confirm` is what makes it happen). */
export function uninstallRequest(id: string, purge: boolean, confirm: boolean): ApiRequest {
  return { method: 'DELETE', path: `${appPath(id)}${query({ purge, confirm: purge && confirm })}` };
}

export function publishRequest(appId: string, consent: boolean): ApiRequest {
  return {
    method: 'POST',
    path: `/v1/apps/${encodeURIComponent(appId)}/publish`,
    json: consent ? { consent: true } : {},
  };
}
