/**
 * Renders the OpenAPI document as one static HTML page: operations grouped by tag, each with its
 * parameters, request body and responses, their schemas as field tables, and the shared
 * schemas after them. No script and no inline style (the page is served under a CSP that allows
 * only a stylesheet from the daemon), so it reads the same with JavaScript off.
 *
 * Every string of the document is escaped; backticked spans become <code>. See ADR 0031 for why
 * this is ours rather than a package's.
 */

/** The parts of a JSON Schema (as the route contracts emit them) the page shows. */
export interface Schema {
  $ref?: string;
  type?: string | string[];
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  uniqueItems?: boolean;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
}

type Content = Record<string, { schema?: Schema }>;

export interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; description?: string; content?: Content };
  responses?: Record<string, { description?: string; content?: Content }>;
  security?: unknown[];
}

export interface OpenApiDocument {
  info: { title: string; version: string; description?: string };
  servers?: { url: string }[];
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete'];
const SCHEMA_REF = '#/components/schemas/';
/** Nested field names indent up to this depth; deeper ones keep the last step. */
const MAX_INDENT = 5;

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** One line of the document's prose: escaped, with `backticked` spans as code. */
function inline(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** A description as paragraphs (blank lines separate them). */
function prose(text: string | undefined): string {
  if (!text) return '';
  return text
    .split(/\n\s*\n/)
    .map((para) => `<p>${inline(para.trim())}</p>`)
    .join('\n');
}

/** The anchor of an operation: `post-v1-apps-id-fork` for POST /v1/apps/{id}/fork. */
function operationAnchor(method: string, path: string): string {
  return `${method}-${path}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function schemaAnchor(name: string): string {
  return `schema-${name}`;
}

function tagAnchor(tag: string): string {
  return `tag-${tag.replace(/[^A-Za-z0-9_-]+/g, '-')}`;
}

function refName(schema: Schema): string | undefined {
  return schema.$ref?.startsWith(SCHEMA_REF) ? schema.$ref.slice(SCHEMA_REF.length) : undefined;
}

function literal(value: unknown): string {
  return `<code>${escapeHtml(JSON.stringify(value))}</code>`;
}

function isNull(schema: Schema): boolean {
  return schema.type === 'null';
}

/** The union's members, `null` left out (it shows in the type as `| null`). */
function variants(schema: Schema): Schema[] {
  return (schema.anyOf ?? schema.oneOf ?? []).filter((s) => !isNull(s));
}

/** The type as a short phrase: `string | null`, `array of App`, `map of string`. */
function typeLabel(schema: Schema): string {
  const name = refName(schema);
  if (name) return `<a href="#${schemaAnchor(name)}">${escapeHtml(name)}</a>`;
  if (schema.const !== undefined) return literal(schema.const);
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return [...new Set(union.map(typeLabel))].join(' | ');
  if (schema.allOf) return schema.allOf.map(typeLabel).join(' &amp; ');
  if (Array.isArray(schema.type)) return schema.type.map(escapeHtml).join(' | ');
  if (schema.type === 'array')
    return schema.items ? `array of ${typeLabel(schema.items)}` : 'array';
  if (schema.type === 'object' || schema.properties) {
    const extra = schema.additionalProperties;
    if (!schema.properties && typeof extra === 'object') return `map of ${typeLabel(extra)}`;
    return 'object';
  }
  if (schema.type) return escapeHtml(schema.type);
  if (schema.enum) {
    const kinds = new Set(schema.enum.map((v) => (v === null ? 'null' : typeof v)));
    return [...kinds].map(escapeHtml).join(' | ');
  }
  return 'any';
}

function range(label: string, min: number | undefined, max: number | undefined): string[] {
  if (min !== undefined && max !== undefined) return [`${label} ${min}–${max}`];
  if (min !== undefined) return [`${label} ≥ ${min}`];
  if (max !== undefined) return [`${label} ≤ ${max}`];
  return [];
}

/** What the schema allows beyond its type: values, patterns, bounds, the default. */
function constraints(schema: Schema): string[] {
  const out: string[] = [];
  if (schema.enum) out.push(`one of ${schema.enum.map(literal).join(', ')}`);
  if (schema.format) out.push(`format ${escapeHtml(schema.format)}`);
  if (schema.pattern) out.push(`pattern <code>${escapeHtml(schema.pattern)}</code>`);
  out.push(...range('length', schema.minLength, schema.maxLength));
  out.push(...range('value', schema.minimum, schema.maximum));
  out.push(...range('items', schema.minItems, schema.maxItems));
  if (schema.maxProperties !== undefined) out.push(`at most ${schema.maxProperties} keys`);
  if (schema.uniqueItems) out.push('unique items');
  if (schema.default !== undefined) out.push(`default ${literal(schema.default)}`);
  // `string | null` and the like: the one real member carries the bounds.
  const members = variants(schema);
  if (members.length === 1 && !refName(members[0]!)) out.push(...constraints(members[0]!));
  return out;
}

function describe(schema: Schema): string {
  const parts = [schema.description ? inline(schema.description) : ''];
  const bounds = constraints(schema);
  if (bounds.length > 0) parts.push(`<span class="constraints">${bounds.join('; ')}</span>`);
  return parts.filter(Boolean).join('<br>');
}

/** The object schemas a field's own rows expand into, with the name suffix each goes under. */
function expansions(schema: Schema): { schema: Schema; suffix: string }[] {
  if (refName(schema)) return [];
  if (schema.properties) return [{ schema, suffix: '' }];
  if (schema.type === 'array' && schema.items) {
    return expansions(schema.items).map((e) => ({ ...e, suffix: `[]${e.suffix}` }));
  }
  const extra = schema.additionalProperties;
  if (typeof extra === 'object' && !schema.properties) {
    return expansions(extra).map((e) => ({ ...e, suffix: `.*${e.suffix}` }));
  }
  return variants(schema).flatMap(expansions);
}

/** The rows of an object's fields, nested fields after their parent with dotted names. */
function fieldRows(schema: Schema, prefix: string, depth: number): string[] {
  const required = new Set(schema.required ?? []);
  const rows: string[] = [];
  for (const [key, field] of Object.entries(schema.properties ?? {})) {
    const name = `${prefix}${key}`;
    rows.push(
      `<tr><td class="field depth-${Math.min(depth, MAX_INDENT)}"><code>${escapeHtml(name)}</code></td>` +
        `<td>${typeLabel(field)}</td><td>${required.has(key) ? 'yes' : ''}</td>` +
        `<td>${describe(field)}</td></tr>`,
    );
    const nested = expansions(field);
    nested.forEach((e, i) => {
      if (nested.length > 1) {
        rows.push(
          `<tr class="variant"><td colspan="4"><code>${escapeHtml(name)}</code>, ` +
            `variant ${i + 1} of ${nested.length}</td></tr>`,
        );
      }
      rows.push(...fieldRows(e.schema, `${name}${e.suffix}.`, depth + 1));
    });
  }
  return rows;
}

function fieldTable(schema: Schema, prefix = ''): string {
  const rows = fieldRows(schema, prefix, 0);
  if (rows.length === 0) return '';
  return (
    '<table class="fields"><thead><tr><th scope="col">Field</th><th scope="col">Type</th>' +
    `<th scope="col">Required</th><th scope="col">Description</th></tr></thead>` +
    `<tbody>${rows.join('\n')}</tbody></table>`
  );
}

/** A body's schema: a link, a field table, each variant of a union, or a type phrase. */
function schemaBlock(schema: Schema): string {
  const head = `<p class="type">${typeLabel(schema)}</p>`;
  const note = describe(schema);
  const parts = [head, note ? `<p>${note}</p>` : ''];
  if (refName(schema)) return parts.join('\n');
  if (schema.properties) return [note ? `<p>${note}</p>` : '', fieldTable(schema)].join('\n');
  const members = variants(schema);
  if (members.length > 1 && members.some((m) => m.properties)) {
    const nullable = (schema.anyOf ?? schema.oneOf ?? []).some(isNull);
    parts[0] = `<p class="type">One of${nullable ? ' (or null)' : ''}:</p>`;
    parts.push('<ol class="variants">');
    for (const member of members) {
      parts.push(`<li>${member.properties ? fieldTable(member) : typeLabel(member)}</li>`);
    }
    parts.push('</ol>');
    return parts.join('\n');
  }
  for (const e of expansions(schema)) parts.push(fieldTable(e.schema, e.suffix.slice(1)));
  return parts.filter(Boolean).join('\n');
}

/** Each content type with its schema; types that share a schema share its rendering. */
function contentBlock(content: Content | undefined): string {
  const groups = new Map<string, { types: string[]; schema: Schema | undefined }>();
  for (const [type, media] of Object.entries(content ?? {})) {
    const key = JSON.stringify(media.schema ?? {});
    const group = groups.get(key) ?? { types: [], schema: media.schema };
    group.types.push(type);
    groups.set(key, group);
  }
  return [...groups.values()]
    .map(({ types, schema }) => {
      const media = `<p class="media">${types.map((t) => `<code>${escapeHtml(t)}</code>`).join(', ')}</p>`;
      const empty = !schema || Object.keys(schema).length === 0;
      return empty ? media : `${media}\n${schemaBlock(schema)}`;
    })
    .join('\n');
}

function parameterTable(params: Parameter[]): string {
  const rows = params.map(
    (p) =>
      `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${escapeHtml(p.in)}</td>` +
      `<td>${p.schema ? typeLabel(p.schema) : 'any'}</td><td>${p.required ? 'yes' : ''}</td>` +
      `<td>${[p.description ? inline(p.description) : '', p.schema ? describe(p.schema) : '']
        .filter(Boolean)
        .join('<br>')}</td></tr>`,
  );
  return (
    '<table class="fields"><thead><tr><th scope="col">Name</th><th scope="col">In</th>' +
    '<th scope="col">Type</th><th scope="col">Required</th><th scope="col">Description</th>' +
    `</tr></thead><tbody>${rows.join('\n')}</tbody></table>`
  );
}

/** An error answer whose every body is the shared Error (so a row in a table is enough). */
function isErrorResponse(status: string, content: Content | undefined): boolean {
  if (Number(status) < 400) return false;
  return Object.values(content ?? {}).every((m) => m.schema && refName(m.schema) === 'Error');
}

function responsesBlock(responses: Operation['responses']): string {
  const entries = Object.entries(responses ?? {});
  const out: string[] = ['<h4>Responses</h4>'];
  for (const [status, res] of entries.filter(([s, r]) => !isErrorResponse(s, r.content))) {
    out.push(
      `<h5><span class="status">${escapeHtml(status)}</span> ${inline(res.description ?? '')}</h5>`,
      contentBlock(res.content),
    );
  }
  const errors = entries.filter(([s, r]) => isErrorResponse(s, r.content));
  if (errors.length > 0) {
    out.push(
      `<table class="errors"><caption>Errors, each an <a href="#${schemaAnchor('Error')}">Error</a>` +
        '</caption><thead><tr><th scope="col">Status</th><th scope="col">When</th></tr></thead><tbody>',
      ...errors.map(
        ([status, res]) =>
          `<tr><td class="status">${escapeHtml(status)}</td><td>${inline(res.description ?? '')}</td></tr>`,
      ),
      '</tbody></table>',
    );
  }
  return out.join('\n');
}

function operationSection(method: string, path: string, op: Operation): string {
  const id = operationAnchor(method, path);
  const out = [
    `<section class="operation" id="${id}" aria-labelledby="${id}-title">`,
    `<h3 id="${id}-title"><a class="self" href="#${id}"><span class="method method-${method}">` +
      `${method.toUpperCase()}</span> <span class="path">${escapeHtml(path)}</span></a></h3>`,
    `<p class="summary">${inline(op.summary ?? '')}</p>`,
  ];
  if (op.security && op.security.length === 0) {
    out.push('<p class="public">No credentials needed.</p>');
  }
  out.push(prose(op.description));
  if (op.parameters?.length) out.push('<h4>Parameters</h4>', parameterTable(op.parameters));
  if (op.requestBody) {
    const required = op.requestBody.required ? ' (required)' : '';
    out.push(
      `<h4>Request body${required}</h4>`,
      prose(op.requestBody.description),
      contentBlock(op.requestBody.content),
    );
  }
  out.push(responsesBlock(op.responses), '</section>');
  return out.filter(Boolean).join('\n');
}

interface Entry {
  method: string;
  path: string;
  op: Operation;
}

/** Operations by tag: the document's tag order first, then tags only operations name. */
function byTag(doc: OpenApiDocument): Map<string, Entry[]> {
  const groups = new Map<string, Entry[]>((doc.tags ?? []).map((t) => [t.name, []]));
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (!METHODS.includes(method)) continue;
      const tag = op.tags?.[0] ?? 'other';
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag)!.push({ method, path, op });
    }
  }
  for (const [tag, entries] of groups) if (entries.length === 0) groups.delete(tag);
  return groups;
}

function contents(groups: Map<string, Entry[]>, schemas: string[]): string {
  const out = ['<nav class="contents" aria-label="Contents">', '<h2>Contents</h2>', '<ul>'];
  for (const [tag, entries] of groups) {
    out.push(`<li><a href="#${tagAnchor(tag)}">${escapeHtml(tag)}</a><ul>`);
    for (const { method, path } of entries) {
      out.push(
        `<li><a href="#${operationAnchor(method, path)}"><span class="method method-${method}">` +
          `${method.toUpperCase()}</span> ${escapeHtml(path)}</a></li>`,
      );
    }
    out.push('</ul></li>');
  }
  out.push('<li><a href="#schemas">Schemas</a><ul>');
  for (const name of schemas) {
    out.push(`<li><a href="#${schemaAnchor(name)}">${escapeHtml(name)}</a></li>`);
  }
  out.push('</ul></li></ul></nav>');
  return out.join('\n');
}

export interface ReferenceOptions {
  /** Where the page loads its stylesheet from. */
  stylesheet: string;
  /** Where the machine-readable document is served, linked from the page's head. */
  documentUrl: string;
}

/** The whole page. */
export function renderApiReference(doc: OpenApiDocument, opts: ReferenceOptions): string {
  const groups = byTag(doc);
  const tagInfo = new Map((doc.tags ?? []).map((t) => [t.name, t.description]));
  const schemas = Object.entries(doc.components?.schemas ?? {});
  const title = `${doc.info.title} ${doc.info.version}`;
  const server = doc.servers?.[0]?.url;
  const body: string[] = [];
  for (const [tag, entries] of groups) {
    body.push(
      `<section class="tag" id="${tagAnchor(tag)}" aria-labelledby="${tagAnchor(tag)}-title">`,
      `<h2 id="${tagAnchor(tag)}-title">${escapeHtml(tag)}</h2>`,
      prose(tagInfo.get(tag)),
      ...entries.map((e) => operationSection(e.method, e.path, e.op)),
      '</section>',
    );
  }
  body.push(
    '<section class="tag" id="schemas" aria-labelledby="schemas-title">',
    '<h2 id="schemas-title">Schemas</h2>',
  );
  for (const [name, schema] of schemas) {
    body.push(
      `<section class="schema" id="${schemaAnchor(name)}" aria-labelledby="${schemaAnchor(name)}-title">`,
      `<h3 id="${schemaAnchor(name)}-title">${escapeHtml(name)}</h3>`,
      schemaBlock(schema),
      '</section>',
    );
  }
  body.push('</section>');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)} reference</title>`,
    `<link rel="stylesheet" href="${escapeHtml(opts.stylesheet)}">`,
    '</head>',
    '<body>',
    '<header class="intro">',
    `<h1>${escapeHtml(title)}</h1>`,
    prose(doc.info.description),
    server ? `<p>Served at <code>${escapeHtml(server)}</code> by default.</p>` : '',
    `<p>The same as OpenAPI 3.1: <a href="${escapeHtml(opts.documentUrl)}">` +
      `${escapeHtml(opts.documentUrl)}</a>.</p>`,
    '</header>',
    '<div class="layout">',
    contents(
      groups,
      schemas.map(([name]) => name),
    ),
    '<main>',
    ...body,
    '</main>',
    '</div>',
    '</body>',
    '</html>',
    '',
  ]
    .filter(Boolean)
    .join('\n');
}
