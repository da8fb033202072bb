import type { AppInfo, Paddock } from '@paddock/sdk';
import { Type } from 'typebox';
import { reply, tool } from '../tool.js';

const AppId = Type.String({ description: "The app's id (app…)" });

/** An app as the agent needs it: what to pass to other tools, and where to look. */
export function appFacts(app: AppInfo) {
  return {
    app_id: app.id,
    name: app.name,
    preset: app.preset,
    sandbox_id: app.sandbox?.id ?? null,
    status: app.sandbox?.status ?? 'no sandbox',
    preview_url: app.sandbox?.preview.url ?? null,
  };
}

function describeApp(app: AppInfo): string {
  const f = appFacts(app);
  const preview = f.preview_url ? `preview ${f.preview_url}` : 'no preview yet';
  return `${f.name} (${f.app_id}, preset ${f.preset ?? 'none'}): sandbox ${f.sandbox_id ?? '-'} ${f.status}, ${preview}`;
}

/** The app's preview link, read fresh (a private preview's link carries an expiring token). */
async function previewOf(pd: Paddock, appId: string, signal: AbortSignal) {
  const app = await pd.apps.get(appId, { signal });
  return { app, url: await app.previewUrl({ signal }) };
}

export const appTools = [
  tool({
    name: 'preset_list',
    title: 'List presets',
    description:
      'Lists the presets an app can start from (name, what it is, whether it serves web).',
    input: Type.Object({}, { additionalProperties: false }),
    annotations: { readOnlyHint: true },
    run: async (_args, { pd, signal }) => {
      const items = await pd.apps.presets({ signal });
      const lines = items.map(
        (p) => `${p.name}: ${p.title}${p.web ? ' (web)' : ''}. ${p.description}`,
      );
      return reply(lines.join('\n'), { items });
    },
  }),
  tool({
    name: 'app_create',
    title: 'Create an app',
    description:
      'Creates an app from a preset (see preset_list; `static` is plain HTML, fastest) and starts ' +
      'its sandbox with a dev server. Returns the app id, its sandbox id and its preview link: ' +
      'edit its files with file_write (app_id), build with exec, then give the person the link.',
    input: Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 100, description: "The app's name" }),
        preset: Type.String({ minLength: 1, description: 'A preset name from preset_list' }),
      },
      { additionalProperties: false },
    ),
    run: async (args, { pd, signal }) => {
      const app = await pd.apps.create({ name: args.name, preset: args.preset, signal });
      return reply(`Created app ${describeApp(app.info)}.`, appFacts(app.info));
    },
  }),
  tool({
    name: 'app_list',
    title: 'List apps',
    description: 'Lists your apps with their sandbox status and preview link.',
    input: Type.Object({}, { additionalProperties: false }),
    annotations: { readOnlyHint: true },
    run: async (_args, { pd, signal }) => {
      const page = await pd.apps.list({}, { signal });
      return reply(page.items.map(describeApp).join('\n') || 'No apps.', {
        items: page.items.map(appFacts),
      });
    },
  }),
  tool({
    name: 'preview_link',
    title: "An app's preview link",
    description:
      "The link to an app's running preview, to hand to the person (a private app's link " +
      'carries a token that expires: ask again for a fresh one). Wakes a sleeping app.',
    input: Type.Object({ app_id: AppId }, { additionalProperties: false }),
    annotations: { readOnlyHint: true },
    run: async (args, { pd, signal }) => {
      const { app, url } = await previewOf(pd, args.app_id, signal);
      const text = url
        ? `Preview of ${app.info.name}: ${url}`
        : `${app.info.name} has no preview: its sandbox.yaml has no web process, or it is not running (see process_logs).`;
      return reply(text, { app_id: app.id, preview_url: url });
    },
  }),
  tool({
    name: 'config_set',
    title: 'Set a config value or secret',
    description:
      "Sets one of an app's config values (an environment variable of its processes), adding or " +
      'replacing it. With `secret: true` the value is stored encrypted and never shown again, ' +
      'not even to you; the result only confirms the key.',
    input: Type.Object(
      {
        app_id: AppId,
        key: Type.String({ minLength: 1, description: 'e.g. API_URL' }),
        value: Type.String(),
        secret: Type.Optional(Type.Boolean({ default: false })),
      },
      { additionalProperties: false },
    ),
    run: async (args, { pd, signal }) => {
      const config = (await pd.apps.get(args.app_id, { signal })).config;
      const entry = args.secret
        ? await config.setSecret(args.key, args.value, { signal })
        : await config
            .set({ key: args.key, value: args.value }, { signal })
            .catch((err: { code?: string }) => {
              if (err.code !== 'already_exists') throw err;
              return config.update(args.key, { value: args.value }, { signal });
            });
      const kind = entry.sensitive ? 'secret' : 'value';
      // The key and its kind only: a secret's value must not reach the model's context.
      return reply(`Set ${kind} ${entry.key} on app ${args.app_id}.`, {
        app_id: args.app_id,
        key: entry.key,
        sensitive: entry.sensitive,
      });
    },
  }),
];
