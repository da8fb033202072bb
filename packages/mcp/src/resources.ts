import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  McpError,
  ReadResourceRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { PaddockError, type Paddock } from '@paddock/sdk';
import { sandboxOf } from './target.js';

const FILE = /^paddock:\/\/apps\/([^/]+)\/files\/(.+)$/;
const LOG = /^paddock:\/\/apps\/([^/]+)\/logs\/([^/]+)$/;

/**
 * An app's files and its processes' logs as resource templates, for clients that attach
 * context by URI. Nothing is listed up front: there are too many files to enumerate usefully.
 */
export function installResources(server: Server, pd: Paddock): void {
  server.setRequestHandler(ListResourcesRequestSchema, () => ({ resources: [] }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
    resourceTemplates: [
      {
        uriTemplate: 'paddock://apps/{app_id}/files/{+path}',
        name: 'app-file',
        title: "A file of an app's workspace",
        description: 'The file at a workspace-relative path of the app (its sandbox is woken).',
      },
      {
        uriTemplate: 'paddock://apps/{app_id}/logs/{process}',
        name: 'app-process-log',
        title: "The log of an app's process",
        description: 'stdout and stderr of a process of the app, e.g. web for its dev server.',
        mimeType: 'text/plain',
      },
    ],
  }));
  server.setRequestHandler(ReadResourceRequestSchema, async (request, extra) => {
    const uri = request.params.uri;
    const signal = extra.signal;
    try {
      const file = FILE.exec(uri);
      if (file) {
        const sb = await sandboxOf(pd, { app_id: decodeURIComponent(file[1]!) }, signal);
        const path = file[2]!.split('/').map(decodeURIComponent).join('/');
        const bytes = await sb.files.read(path, { signal });
        const text = utf8(bytes);
        return {
          contents: [
            text !== null
              ? { uri, mimeType: 'text/plain', text }
              : {
                  uri,
                  mimeType: 'application/octet-stream',
                  blob: Buffer.from(bytes).toString('base64'),
                },
          ],
        };
      }
      const log = LOG.exec(uri);
      if (log) {
        const sb = await sandboxOf(pd, { app_id: decodeURIComponent(log[1]!) }, signal);
        const logs = await sb.logs(decodeURIComponent(log[2]!), { signal });
        return { contents: [{ uri, mimeType: 'text/plain', text: logs.output }] };
      }
    } catch (err) {
      if (err instanceof PaddockError) {
        throw new McpError(ErrorCode.InvalidParams, `${err.code}: ${err.message}`);
      }
      throw err;
    }
    throw new McpError(ErrorCode.InvalidParams, `not a Paddock resource: ${uri}`);
  });
}

function utf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}
