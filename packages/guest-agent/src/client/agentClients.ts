import type { Socket } from 'node:net';
import { PaddockError, type SandboxDriver } from '@paddock/shared';
import { AgentClient, type AgentClientOptions } from './agentClient.js';

/**
 * One client per running sandbox of a driver, made on first use and closed when it ends; and
 * the best way in to a port of the sandbox.
 */
export class AgentClients {
  private readonly clients = new Map<string, AgentClient>();

  constructor(
    private readonly driver: SandboxDriver,
    private readonly options: AgentClientOptions = {},
  ) {}

  for(id: string): AgentClient {
    let client = this.clients.get(id);
    if (!client) {
      client = new AgentClient(this.driver.agentEndpoint(id), this.options);
      this.clients.set(id, client);
    }
    return client;
  }

  /** The client already made for `id`, without making one. */
  existing(id: string): AgentClient | undefined {
    return this.clients.get(id);
  }

  drop(id: string): void {
    this.clients.get(id)?.close();
    this.clients.delete(id);
  }

  close(): void {
    for (const id of [...this.clients.keys()]) this.drop(id);
  }

  /**
   * A connection to a port on a running sandbox's loopback: straight from the driver when it
   * can make one (no relay through the agent), else through the guest agent's bridge.
   */
  openPort(id: string, port: number, signal?: AbortSignal): Promise<Socket> {
    const client = this.for(id);
    const direct = this.driver.connectPort?.(id, port, signal);
    if (!direct) return client.openBridge(port, signal);
    return direct.catch((err: unknown) => {
      // Nothing listens: the bridge would say the same. Anything else: the bridge still may work.
      if (err instanceof PaddockError && err.code === 'port_unreachable') throw err;
      if (signal?.aborted) throw err;
      return client.openBridge(port, signal);
    });
  }
}
