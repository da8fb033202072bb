import {
  ApiKeyList,
  ApiKeyParams,
  CreateApiKeyBody,
  CreatedApiKey,
  CreateSessionBody,
  SessionSchema,
} from '../api/auth.js';
import { errorResponses } from './errorResponses.js';
import type { RouteTable } from './routeContract.js';

const tags = ['api-keys'] as const;

/** API keys: create (the token is shown once), list, revoke. */
export const ApiKeyRoutes = {
  create: {
    method: 'POST',
    url: '/v1/api-keys',
    schema: {
      tags,
      summary: 'Create an API key (the token is shown once)',
      body: CreateApiKeyBody,
      response: { 201: CreatedApiKey, ...errorResponses(400, 401, 403) },
    },
  },
  list: {
    method: 'GET',
    url: '/v1/api-keys',
    schema: {
      tags,
      summary: 'List API keys (admins see all owners)',
      response: { 200: ApiKeyList, ...errorResponses(401) },
    },
  },
  revoke: {
    method: 'DELETE',
    url: '/v1/api-keys/:id',
    schema: {
      tags,
      summary: 'Revoke an API key',
      params: ApiKeyParams,
      response: { 204: { type: 'null', description: 'Revoked' }, ...errorResponses(401, 404) },
    },
  },
} as const satisfies RouteTable;

/** The console's sign-in: a token is exchanged for an HttpOnly cookie, never kept in the page. */
export const SessionRoutes = {
  signIn: {
    method: 'POST',
    url: '/v1/session',
    schema: {
      tags,
      summary: 'Sign in with an API token; sets an HttpOnly session cookie',
      security: [],
      body: CreateSessionBody,
      response: { 200: SessionSchema, ...errorResponses(400, 401) },
    },
  },
  get: {
    method: 'GET',
    url: '/v1/session',
    schema: {
      tags,
      summary: 'Who is signed in',
      response: { 200: SessionSchema, ...errorResponses(401) },
    },
  },
  signOut: {
    method: 'DELETE',
    url: '/v1/session',
    schema: {
      tags,
      summary: 'Sign out (clears the session cookie)',
      response: { 204: { type: 'null', description: 'Signed out' }, ...errorResponses(401) },
    },
  },
  revokeAll: {
    method: 'POST',
    url: '/v1/session/revoke-all',
    schema: {
      tags,
      summary:
        "Sign out everywhere: ends every console session of the caller's owner; a session caller gets a new cookie and stays signed in",
      response: { 200: SessionSchema, ...errorResponses(401, 403) },
    },
  },
} as const satisfies RouteTable;
