import { AppIdParams } from '../api/apps.js';
import { EgressDenialList, EgressPolicyBody, EgressPolicySchema } from '../api/egress.js';
import { SandboxIdParams } from '../api/sandboxes.js';
import { errorResponses } from './errorResponses.js';
import type { RouteTable } from './routeContract.js';

const tags = ['egress'] as const;

/**
 * Egress allow and deny lists of apps and of standalone sandboxes; they extend the baseline of
 * the sandbox's manifest, which the answers list as rules of source `manifest`.
 */
export const EgressRoutes = {
  appPolicy: {
    method: 'GET',
    url: '/v1/apps/:id/egress',
    schema: {
      tags,
      summary:
        "The app's egress policy: the manifest's baseline and its own lists (nothing else is allowed)",
      params: AppIdParams,
      response: { 200: EgressPolicySchema, ...errorResponses(401, 404, 409) },
    },
  },
  setAppPolicy: {
    method: 'PUT',
    url: '/v1/apps/:id/egress',
    schema: {
      tags,
      summary:
        "Replace the app's egress allow and deny lists (the manifest's baseline stays); applies to running processes at once",
      params: AppIdParams,
      body: EgressPolicyBody,
      response: { 200: EgressPolicySchema, ...errorResponses(400, 401, 404, 409) },
    },
  },
  sandboxPolicy: {
    method: 'GET',
    url: '/v1/sandboxes/:id/egress',
    schema: {
      tags,
      summary:
        "The sandbox's egress policy: the manifest's baseline and its own lists (nothing else is allowed)",
      params: SandboxIdParams,
      response: { 200: EgressPolicySchema, ...errorResponses(401, 404, 409) },
    },
  },
  setSandboxPolicy: {
    method: 'PUT',
    url: '/v1/sandboxes/:id/egress',
    schema: {
      tags,
      summary:
        "Replace the sandbox's egress allow and deny lists (the manifest's baseline stays); applies to running processes at once",
      params: SandboxIdParams,
      body: EgressPolicyBody,
      response: { 200: EgressPolicySchema, ...errorResponses(400, 401, 404, 409) },
    },
  },
  appDenials: {
    method: 'GET',
    url: '/v1/apps/:id/egress/denials',
    schema: {
      tags,
      summary: "The egress refusals of the app's sandbox: the latest kept, then each as it happens",
      description:
        'With `Accept: text/event-stream`: server-sent events, a `denial` event (an EgressDenial) for each kept refusal, then each new one as it happens; the stream stays open until a stopping daemon ends it with an `error` {code: `daemon_stopping`, message}. Otherwise the kept ones as JSON.',
      params: AppIdParams,
      produces: ['application/json', 'text/event-stream'],
      response: { 200: EgressDenialList, ...errorResponses(401, 404, 409) },
    },
  },
  sandboxDenials: {
    method: 'GET',
    url: '/v1/sandboxes/:id/egress/denials',
    schema: {
      tags,
      summary: 'The egress refusals of the sandbox: the latest kept, then each as it happens',
      description:
        'With `Accept: text/event-stream`: server-sent events, a `denial` event (an EgressDenial) for each kept refusal, then each new one as it happens; the stream stays open until a stopping daemon ends it with an `error` {code: `daemon_stopping`, message}. Otherwise the kept ones as JSON.',
      params: SandboxIdParams,
      produces: ['application/json', 'text/event-stream'],
      response: { 200: EgressDenialList, ...errorResponses(401, 404) },
    },
  },
} as const satisfies RouteTable;
