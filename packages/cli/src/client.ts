import { Paddock } from '@paddock/sdk';
import { ApiClient } from './apiClient.js';
import { resolveConnection } from './connection.js';

let paddock: Paddock | undefined;

/** The SDK client for this run, made on first use (commands that need no daemon never ask). */
export function client(): Paddock {
  paddock ??= new Paddock(resolveConnection());
  return paddock;
}

/** The older hand-written client, for the commands not yet moved to the SDK. */
export function legacyClient(): ApiClient {
  return new ApiClient(resolveConnection(), client().transport);
}
