import { Type } from 'typebox';
import { OUTPUT_CAP_BYTES } from '../outputCap.js';
import { sandboxOf, targeted } from '../target.js';
import { reply, tool } from '../tool.js';

const FilePath = Type.String({ minLength: 1, description: 'A path relative to the workspace' });

export const fileTools = [
  tool({
    name: 'file_read',
    title: 'Read a file',
    description:
      `Reads a text file from the workspace, at most ${OUTPUT_CAP_BYTES / 1024} KiB at a time: ` +
      'when the result says more remains, call again with the offset it gives.',
    input: targeted({
      path: FilePath,
      offset: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'Byte offset' })),
      max_bytes: Type.Optional(
        Type.Integer({ minimum: 1, maximum: OUTPUT_CAP_BYTES, default: OUTPUT_CAP_BYTES }),
      ),
    }),
    annotations: { readOnlyHint: true },
    run: async (args, { pd, signal }) => {
      const sb = await sandboxOf(pd, args, signal);
      const bytes = await sb.files.read(args.path, { signal });
      const offset = args.offset ?? 0;
      const end = Math.min(bytes.length, offset + (args.max_bytes ?? OUTPUT_CAP_BYTES));
      const text = Buffer.from(bytes.subarray(offset, end)).toString('utf8');
      const more = end < bytes.length;
      const note = more
        ? `\n[${bytes.length - end} more bytes: call again with offset ${end}]`
        : '';
      return reply(`${text}${note}`, {
        path: args.path,
        size: bytes.length,
        offset,
        next_offset: more ? end : null,
      });
    },
  }),
  tool({
    name: 'file_write',
    title: 'Write a file',
    description:
      'Writes a whole file in the workspace (creating its directories), replacing what was ' +
      'there. The dev server of an app picks the change up; check it with exec or the preview.',
    input: targeted({
      path: FilePath,
      content: Type.String({ description: 'The whole new content' }),
      encoding: Type.Optional(
        Type.Union([Type.Literal('utf8'), Type.Literal('base64')], { default: 'utf8' }),
      ),
    }),
    run: async (args, { pd, signal }) => {
      const sb = await sandboxOf(pd, args, signal);
      const data = Buffer.from(args.content, args.encoding === 'base64' ? 'base64' : 'utf8');
      await sb.files.write(args.path, new Uint8Array(data), { signal });
      return reply(`Wrote ${data.length} bytes to ${args.path} in ${sb.id}.`, {
        sandbox_id: sb.id,
        path: args.path,
        size: data.length,
      });
    },
  }),
  tool({
    name: 'file_list',
    title: 'List a directory',
    description: 'Lists a workspace directory (type, size, name), optionally a few levels deep.',
    input: targeted({
      path: Type.Optional(Type.String({ default: '.', description: 'Workspace-relative' })),
      depth: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, default: 1 })),
    }),
    annotations: { readOnlyHint: true },
    run: async (args, { pd, signal }) => {
      const sb = await sandboxOf(pd, args, signal);
      const listing = await sb.files.list(args.path ?? '.', { depth: args.depth ?? 1, signal });
      const lines = listing.entries.map(
        (e) =>
          `${e.type === 'directory' ? 'dir ' : 'file'} ${String(e.size).padStart(9)}  ${e.path}`,
      );
      if (listing.truncated) lines.push('[truncated: list a subdirectory or with less depth]');
      return reply(lines.join('\n') || '(empty)', {
        path: listing.path,
        entries: listing.entries.map((e) => ({ path: e.path, type: e.type, size: e.size })),
        truncated: listing.truncated,
      });
    },
  }),
  tool({
    name: 'file_delete',
    title: 'Delete a file',
    description: 'Deletes a file, or a directory with `recursive: true`.',
    input: targeted({ path: FilePath, recursive: Type.Optional(Type.Boolean()) }),
    annotations: { destructiveHint: true },
    run: async (args, { pd, signal }) => {
      const sb = await sandboxOf(pd, args, signal);
      await sb.files.remove(args.path, { recursive: args.recursive === true, signal });
      return reply(`Deleted ${args.path}.`, { sandbox_id: sb.id, path: args.path });
    },
  }),
  tool({
    name: 'file_move',
    title: 'Move a file',
    description: 'Moves or renames a file or directory in the workspace.',
    input: targeted({
      from: FilePath,
      to: FilePath,
      overwrite: Type.Optional(Type.Boolean({ description: 'Replace an existing target' })),
    }),
    run: async (args, { pd, signal }) => {
      const sb = await sandboxOf(pd, args, signal);
      await sb.files.move(args.from, args.to, { overwrite: args.overwrite === true, signal });
      return reply(`Moved ${args.from} to ${args.to}.`, { from: args.from, to: args.to });
    },
  }),
];
