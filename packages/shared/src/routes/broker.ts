import {
  AppDataUsage,
  BrokerCallBody,
  BrokerCallResult,
  BrokerFileQuery,
  BrokerFileWriteQuery,
  NotificationListQuery,
  NotificationPage,
  NotificationParams,
  AppNotification,
  StoredFile,
} from '../api/broker.js';
import { UserspaceAppParams } from '../api/userspaceApps.js';
import { errorResponses } from './errorResponses.js';
import type { RouteTable } from './routeContract.js';

const tags = ['broker'] as const;

/**
 * The capability broker: the one way a userspace app reaches the core. A web app's window calls
 * through the console with its app session; a service app calls from its sandbox with its
 * sandbox token. Either way the caller is authenticated, never named in the message. The
 * console reads what apps left for people (notifications) and what their data takes here too.
 */
export const BrokerRoutes = {
  call: {
    method: 'POST',
    url: '/v1/broker/call',
    schema: {
      tags,
      summary:
        "Call a capability as an app (a window's app session, or a service app's sandbox token)",
      description:
        'The method is checked against the app\u2019s grant and its tier\u2019s ceiling (admin-forbidden capabilities win over both), quotas and rate limits, then audited and dispatched. A refusal is capability_required with the capability in details.',
      body: BrokerCallBody,
      response: { 200: BrokerCallResult, ...errorResponses(400, 401, 403, 404, 409, 413, 429) },
    },
  },
  readFile: {
    method: 'GET',
    url: '/v1/broker/files',
    schema: {
      tags,
      summary:
        "Read one of the app's files as a stream of bytes (app.files; a Range header reads a part)",
      description:
        'Called as an app, like /v1/broker/call, and checked the same way. The answer is an attachment under a sandboxing CSP, so a file is never run as a page on this origin.',
      querystring: BrokerFileQuery,
      produces: ['application/octet-stream'],
      response: {
        200: {
          description: 'The file’s bytes, with its MIME type in Content-Type',
          content: { 'application/octet-stream': { schema: {} } },
        },
        206: {
          description: 'The bytes the Range header asked for',
          content: { 'application/octet-stream': { schema: {} } },
        },
        ...errorResponses(400, 401, 403, 404, 409, 416, 429),
      },
    },
  },
  writeFile: {
    method: 'PUT',
    url: '/v1/broker/files',
    schema: {
      tags,
      summary:
        "Write one of the app's files from a stream of bytes (app.files; bounded by the app's quota)",
      description:
        'Called as an app, like /v1/broker/call. The body is written aside as it arrives and replaces the file in one step once the quota allows it: a refused or broken upload leaves the old file as it was.',
      querystring: BrokerFileWriteQuery,
      consumes: ['application/octet-stream'],
      response: { 200: StoredFile, ...errorResponses(400, 401, 403, 404, 409, 413, 429) },
    },
  },
  usage: {
    method: 'GET',
    url: '/v1/userspace-apps/:id/usage',
    schema: {
      tags,
      summary: "What a userspace app's data takes (kv, tables, files) against its quota",
      params: UserspaceAppParams,
      response: { 200: AppDataUsage, ...errorResponses(401, 403, 404) },
    },
  },
  notifications: {
    method: 'GET',
    url: '/v1/notifications',
    schema: {
      tags,
      summary: 'Notifications apps left for the caller (app.notify), newest first, paged',
      querystring: NotificationListQuery,
      response: { 200: NotificationPage, ...errorResponses(400, 401, 403) },
    },
  },
  readNotification: {
    method: 'POST',
    url: '/v1/notifications/:id/read',
    schema: {
      tags,
      summary: 'Mark a notification read',
      params: NotificationParams,
      response: { 200: AppNotification, ...errorResponses(401, 403, 404) },
    },
  },
} as const satisfies RouteTable;
