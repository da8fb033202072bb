import { sql, type RawBuilder } from 'kysely';
import { PaddockError, type BrokerParams } from '@paddock/shared';

type Filter = NonNullable<BrokerParams<'app.table.query'>['where']>[number];
type Scalar = string | number | null;

/** Most values an `in` filter may list. */
export const MAX_IN_VALUES = 100;

/**
 * A document field as SQL: `json_extract(doc_json, '$.a.b')` with the path bound as a
 * parameter. The path's shape is already checked by the schema (letters, digits, _ and dots).
 */
export function fieldOf(field: string): RawBuilder<unknown> {
  return sql`json_extract(doc_json, ${`$.${field}`})`;
}

/** A filter value as SQLite compares it (a boolean is stored as 1 or 0 by json_extract). */
function scalar(value: unknown, filter: Filter): Scalar {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === null || typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new PaddockError(
    'bad_request',
    `filter on ${filter.field}: ${filter.op} takes a string, number, boolean or null`,
  );
}

/** One filter as a WHERE condition, every value bound (never spliced into the SQL). */
export function conditionOf(f: Filter): RawBuilder<boolean> {
  const x = fieldOf(f.field);
  switch (f.op) {
    case 'eq': {
      const v = scalar(f.value, f);
      return v === null ? sql<boolean>`${x} is null` : sql<boolean>`${x} = ${v}`;
    }
    case 'ne':
      return sql<boolean>`${x} is not ${scalar(f.value, f)}`;
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      const v = scalar(f.value, f);
      if (v === null) {
        throw new PaddockError('bad_request', `filter on ${f.field}: ${f.op} needs a value`);
      }
      const op = { lt: '<', lte: '<=', gt: '>', gte: '>=' }[f.op];
      return sql<boolean>`${x} ${sql.raw(op)} ${v}`;
    }
    case 'in': {
      if (!Array.isArray(f.value) || f.value.length === 0 || f.value.length > MAX_IN_VALUES) {
        throw new PaddockError(
          'bad_request',
          `filter on ${f.field}: in takes a list of 1 to ${MAX_IN_VALUES} values`,
        );
      }
      const values = f.value.map((v) => scalar(v, f)).filter((v) => v !== null);
      if (values.length === 0) return sql<boolean>`${x} is null`;
      const list = sql.join(values.map((v) => sql`${v}`));
      const hasNull = f.value.includes(null);
      return hasNull
        ? sql<boolean>`(${x} in (${list}) or ${x} is null)`
        : sql<boolean>`${x} in (${list})`;
    }
    case 'contains': {
      // An array field holds the value as an element; a string field holds it as a substring.
      const v = scalar(f.value, f);
      const path = `$.${f.field}`;
      return sql<boolean>`(case json_type(doc_json, ${path})
        when 'array' then exists (select 1 from json_each(doc_json, ${path}) e where e.value = ${v})
        when 'text' then instr(json_extract(doc_json, ${path}), ${String(v)}) > 0
        else 0 end)`;
    }
  }
}

/** RFC 7396 merge: objects merge field by field, null removes a field, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
