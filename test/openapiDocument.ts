import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, startDaemon, type RouteEntry } from '@paddock/daemon';
import { mcpMounts } from '@paddock/mcp';

/**
 * Boots an in-process daemon on a throwaway data dir and returns its OpenAPI document (as the
 * checked-in file's text) and its route table.
 */
export async function describeApi(): Promise<{
  text: string;
  doc: OpenApiDoc;
  routes: RouteEntry[];
}> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-openapi-'));
  const config = loadConfig(
    {
      PADDOCK_PORT: '0',
      PADDOCK_DATA_DIR: dataDir,
      PADDOCK_WARM_POOL: '0',
      PADDOCK_SWEEP_AT_START: '0',
      PADDOCK_LOG_LEVEL: 'error',
    },
    dataDir,
  );
  // As `paddock serve` composes it: with the MCP server's /mcp.
  const daemon = await startDaemon(config, undefined, { mounts: mcpMounts() });
  try {
    const res = await daemon.app.inject({ method: 'GET', url: '/v1/openapi.json' });
    const doc = JSON.parse(res.body) as OpenApiDoc;
    return { text: `${JSON.stringify(doc, null, 2)}\n`, doc, routes: [...daemon.app.routeTable] };
  } finally {
    await daemon.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function openApiDocument(): Promise<string> {
  return (await describeApi()).text;
}

export interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
}
