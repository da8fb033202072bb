// An app's requestPermission, answered: what the app holds already is yes, what the user
// declined before is no without asking again, what the app never declared or the admin forbids
// is no; anything else is a dialog, one at a time, and the answer is recorded with the daemon.
import { useCallback, useRef, useState } from 'react';
import type { UserspaceApp } from '@paddock/shared';
import { answerPermission, fetchPermissions } from '../api/userspaceApps.js';
import { heldNow } from '../lib/capabilities.js';

/** `granted`: the user said yes just now (a network: grant needs the window reopened). */
export type PermissionOutcome = 'held' | 'granted' | 'declined' | 'refused';

export interface PermissionPrompt {
  app: UserspaceApp;
  capability: string;
  answer: (yes: boolean) => Promise<void>;
}

export function usePermissionRequests() {
  const [queue, setQueue] = useState<PermissionPrompt[]>([]);
  const inFlight = useRef(new Map<string, Promise<PermissionOutcome>>());

  const decide = useCallback(
    async (app: UserspaceApp, capability: string): Promise<PermissionOutcome> => {
      const perms = await fetchPermissions(app.id);
      if (heldNow(perms, capability)) return 'held';
      if (perms.forbidden.includes(capability) || perms.declined.includes(capability)) {
        return 'declined';
      }
      if (!perms.optional.includes(capability) && !perms.required.includes(capability)) {
        return 'refused';
      }
      return new Promise<PermissionOutcome>((resolve, reject) => {
        const prompt: PermissionPrompt = {
          app,
          capability,
          answer: async (yes) => {
            try {
              await answerPermission(
                app.id,
                yes ? { grant: [capability] } : { decline: [capability] },
              );
            } catch (error) {
              reject(error);
              throw error;
            } finally {
              setQueue((q) => q.filter((p) => p !== prompt));
            }
            resolve(yes ? 'granted' : 'declined');
          },
        };
        setQueue((q) => [...q, prompt]);
      });
    },
    [],
  );

  /** The same app asking for the same capability twice at once gets one dialog. */
  const request = useCallback(
    (app: UserspaceApp, capability: string): Promise<PermissionOutcome> => {
      const key = `${app.id} ${capability}`;
      let pending = inFlight.current.get(key);
      if (!pending) {
        pending = decide(app, capability).finally(() => inFlight.current.delete(key));
        inFlight.current.set(key, pending);
      }
      return pending;
    },
    [decide],
  );

  return { current: queue[0] ?? null, request };
}
