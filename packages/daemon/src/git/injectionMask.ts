import { maskText, type Injection } from '@paddock/egress';
import type { MaskSecrets } from './gitRemote.js';

/**
 * Masks, in text from a sandbox, every value the app's injections hold, as sent and as the
 * header encodes it (HTTP Basic's base64). git never sees them (the proxy adds them on the
 * way out and masks them on the way in): this is the second lock, for messages the API returns.
 */
export function maskInjections(injections: Injection[]): MaskSecrets {
  const secrets = injections.flatMap((i) => [i.secret, ...(i.encoded ?? [])]);
  return (text) => maskText(text, secrets);
}
