import { setTimeout as delay } from 'node:timers/promises';
import type { Snapshot } from '@paddock/sdk';
import { Type } from 'typebox';
import { appFacts } from './appTools.js';
import { sandboxOf, targeted } from '../target.js';
import { reply, tool } from '../tool.js';

const AppId = Type.String({ description: "The app's id" });
const SnapshotId = Type.String({ description: "The snapshot's id (snp…)" });

function snapshotFacts(s: Snapshot) {
  return { snapshot_id: s.id, name: s.name, status: s.status };
}

export const snapshotTools = [
  tool({
    name: 'snapshot_create',
    title: 'Snapshot a workspace',
    description:
      "Captures an app's (or a sandbox's) workspace as a snapshot: a restore point before a risky " +
      'change, or the start of a fork. Reports progress while it runs.',
    input: targeted({ name: Type.String({ minLength: 1, maxLength: 100 }) }),
    run: async (args, ctx) => {
      const sb = await sandboxOf(ctx.pd, args, ctx.signal);
      let step = 0;
      await ctx.progress(step, `capturing ${sb.id}`);
      let snap = await sb.snapshot(args.name, { signal: ctx.signal });
      while (snap.status === 'capturing') {
        await ctx.progress(++step, `snapshot ${snap.id} still capturing`);
        await delay(1000, undefined, { signal: ctx.signal });
        snap = await ctx.pd.snapshots.get(snap.id, { signal: ctx.signal });
      }
      await ctx.progress(++step, `snapshot ${snap.id} ${snap.status}`);
      return reply(`Snapshot ${snap.id} (${snap.name}) is ${snap.status}.`, snapshotFacts(snap));
    },
  }),
  tool({
    name: 'snapshot_restore',
    title: 'Restore a snapshot',
    description:
      "Replaces an app's workspace with one of its snapshots. What changed since is lost unless " +
      'snapshotted first.',
    input: Type.Object({ app_id: AppId, snapshot_id: SnapshotId }, { additionalProperties: false }),
    annotations: { destructiveHint: true },
    run: async (args, { pd, signal }) => {
      const app = await pd.apps.get(args.app_id, { signal });
      await app.restore(args.snapshot_id, { signal });
      return reply(`Restored app ${args.app_id} to snapshot ${args.snapshot_id}.`, {
        app_id: args.app_id,
        snapshot_id: args.snapshot_id,
      });
    },
  }),
  tool({
    name: 'snapshot_fork',
    title: 'Fork an app from a snapshot',
    description:
      "Creates a new app whose workspace starts as one of an app's snapshots, to try something " +
      'without touching the original. Returns the new app with its sandbox and preview link.',
    input: Type.Object(
      {
        app_id: AppId,
        snapshot_id: SnapshotId,
        name: Type.Optional(Type.String({ minLength: 1 })),
      },
      { additionalProperties: false },
    ),
    run: async (args, { pd, signal }) => {
      const app = await pd.apps.get(args.app_id, { signal });
      const fork = await app.fork(args.snapshot_id, {
        ...(args.name !== undefined ? { name: args.name } : {}),
        signal,
      });
      return reply(`Forked into app ${fork.id} (${fork.info.name}).`, appFacts(fork.info));
    },
  }),
];
