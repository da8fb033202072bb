import { AppIdParams } from '../api/apps.js';
import { LaunchResult } from '../api/broker.js';
import {
  ConsentBody,
  DeleteUserspaceAppQuery,
  InstallResult,
  InstallUserspaceAppQuery,
  ListUserspaceAppsQuery,
  PACKAGE_UPLOAD_TYPES,
  PermissionAnswerBody,
  PinKeyBody,
  PinnedKey,
  PinnedKeyList,
  PinnedKeyParams,
  PublishBody,
  PurgePlan,
  RevokeBody,
  RollbackBody,
  UserspaceAppList,
  UserspaceAppParams,
  UserspaceAppSchema,
  UserspacePermissions,
  UserspaceVersionList,
} from '../api/userspaceApps.js';
import { errorResponses } from './errorResponses.js';
import type { RouteTable } from './routeContract.js';

const tags = ['userspace-apps'] as const;
const url = '/v1/userspace-apps/:id';

const appActionResponse = { 200: UserspaceAppSchema, ...errorResponses(400, 401, 403, 404, 409) };

/**
 * Userspace apps: signed packages installed, updated (health-gated, with rollback), consented,
 * enabled, disabled, trashed and restored; publishing a build app as one; the pinned
 * first-party publisher keys (admin).
 */
export const UserspaceAppRoutes = {
  list: {
    method: 'GET',
    url: '/v1/userspace-apps',
    schema: {
      tags,
      summary: 'Installed userspace apps (or the trash), by name',
      querystring: ListUserspaceAppsQuery,
      response: { 200: UserspaceAppList, ...errorResponses(400, 401) },
    },
  },
  install: {
    method: 'POST',
    url: '/v1/userspace-apps',
    schema: {
      tags,
      summary:
        'Install or update a userspace app from a .paddockapp: a raw body, a multipart file, or JSON {"source_url"} (https, SSRF-safe)',
      description:
        'Signature, id ownership, tier and version rules are checked before anything is extracted; the new version is swapped in atomically, and a service app must pass its health check or the update rolls back. A version asking for permissions beyond the grant waits as pending_consent.',
      querystring: InstallUserspaceAppQuery,
      consumes: ['application/json', 'multipart/form-data', ...PACKAGE_UPLOAD_TYPES],
      response: {
        200: InstallResult,
        201: InstallResult,
        ...errorResponses(400, 401, 403, 409, 413, 415, 502),
      },
    },
  },
  get: {
    method: 'GET',
    url,
    schema: {
      tags,
      summary: 'A userspace app (a trashed one too)',
      params: UserspaceAppParams,
      response: { 200: UserspaceAppSchema, ...errorResponses(401, 404) },
    },
  },
  delete: {
    method: 'DELETE',
    url,
    schema: {
      tags,
      summary:
        'Uninstall: the app goes to the trash with its data (userspace_trash_days); purge=true&confirm=true removes it and its data for good',
      params: UserspaceAppParams,
      querystring: DeleteUserspaceAppQuery,
      response: {
        200: PurgePlan,
        204: { type: 'null', description: 'Moved to the trash' },
        ...errorResponses(400, 401, 403, 404),
      },
    },
  },
  permissions: {
    method: 'GET',
    url: `${url}/permissions`,
    schema: {
      tags,
      summary:
        "Provenance, its ceiling, what is forbidden, required, optional, granted, and a pending version's diff",
      params: UserspaceAppParams,
      response: { 200: UserspacePermissions, ...errorResponses(401, 404) },
    },
  },
  consent: {
    method: 'POST',
    url: `${url}/consent`,
    schema: {
      tags,
      summary: 'Grant what the pending version asks for (and optional permissions) and move to it',
      params: UserspaceAppParams,
      body: ConsentBody,
      response: appActionResponse,
    },
  },
  revoke: {
    method: 'POST',
    url: `${url}/revoke`,
    schema: {
      tags,
      summary: 'Take back granted optional permissions',
      params: UserspaceAppParams,
      body: RevokeBody,
      response: appActionResponse,
    },
  },
  answer: {
    method: 'POST',
    url: `${url}/permissions`,
    schema: {
      tags,
      summary:
        "Answer an app's request for optional permissions: grant some, decline others (remembered)",
      description:
        'Only the app’s declared permissions (required or optional) may be granted; a grant takes effect on the next broker call, and a network: grant on the next launch (web) or at once (service egress).',
      params: UserspaceAppParams,
      body: PermissionAnswerBody,
      response: { 200: UserspacePermissions, ...errorResponses(400, 401, 403, 404, 409) },
    },
  },
  enable: {
    method: 'POST',
    url: `${url}/enable`,
    schema: {
      tags,
      summary: 'Run and serve the app again',
      params: UserspaceAppParams,
      response: appActionResponse,
    },
  },
  disable: {
    method: 'POST',
    url: `${url}/disable`,
    schema: {
      tags,
      summary: "Stop the app's service and stop serving its bundle",
      params: UserspaceAppParams,
      response: appActionResponse,
    },
  },
  rollback: {
    method: 'POST',
    url: `${url}/rollback`,
    schema: {
      tags,
      summary: 'Return to the previous version (and, when asked, its data snapshot)',
      params: UserspaceAppParams,
      body: RollbackBody,
      response: appActionResponse,
    },
  },
  restore: {
    method: 'POST',
    url: `${url}/restore`,
    schema: {
      tags,
      summary: 'Take the app out of the trash, with its data',
      params: UserspaceAppParams,
      response: appActionResponse,
    },
  },
  launch: {
    method: 'POST',
    url: `${url}/launch`,
    schema: {
      tags,
      summary:
        "Open a web app's window: a short-lived bundle URL on the app's own origin and the window's app session",
      description:
        'Both are bound to the app, its version in use and the caller’s session; an update or a revoked key ends them. Refused for a disabled, trashed or not-yet-consented app.',
      params: UserspaceAppParams,
      response: { 200: LaunchResult, ...errorResponses(400, 401, 403, 404, 409) },
    },
  },
  versions: {
    method: 'GET',
    url: `${url}/versions`,
    schema: {
      tags,
      summary: 'The versions kept: current, previous (for a rollback) and pending',
      params: UserspaceAppParams,
      response: { 200: UserspaceVersionList, ...errorResponses(401, 404) },
    },
  },
  package: {
    method: 'GET',
    url: `${url}/package`,
    schema: {
      tags,
      summary: 'Download the current version as a signed .paddockapp',
      params: UserspaceAppParams,
      produces: ['application/vnd.paddock.app'],
      response: {
        200: {
          description: 'The package',
          content: { 'application/vnd.paddock.app': { schema: {} } },
        },
        ...errorResponses(401, 404),
      },
    },
  },
  publish: {
    method: 'POST',
    url: '/v1/apps/:id/publish',
    schema: {
      tags,
      summary:
        "Build a build app, package it (its sandbox.yaml's publish section), sign it with the app's key, and install or update it",
      params: AppIdParams,
      body: PublishBody,
      response: {
        200: InstallResult,
        201: InstallResult,
        ...errorResponses(400, 401, 403, 404, 409, 413, 502),
      },
    },
  },
  listPinnedKeys: {
    method: 'GET',
    url: '/v1/admin/publisher-keys',
    schema: {
      tags,
      summary: 'First-party publisher keys (admin)',
      response: { 200: PinnedKeyList, ...errorResponses(401, 403) },
    },
  },
  pinKey: {
    method: 'POST',
    url: '/v1/admin/publisher-keys',
    schema: {
      tags,
      summary:
        'Pin a publisher key as first-party (admin); keys Paddock made for published build apps are refused',
      body: PinKeyBody,
      response: { 201: PinnedKey, ...errorResponses(400, 401, 403, 409) },
    },
  },
  unpinKey: {
    method: 'DELETE',
    url: '/v1/admin/publisher-keys/:app_id',
    schema: {
      tags,
      summary: 'Unpin a first-party key (admin); apps it signed drop to user-uploaded',
      params: PinnedKeyParams,
      response: {
        204: { type: 'null', description: 'Unpinned' },
        ...errorResponses(401, 403, 404),
      },
    },
  },
} as const satisfies RouteTable;
