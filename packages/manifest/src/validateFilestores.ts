import { isMap, isScalar, isSeq, type Node, type Pair } from 'yaml';
import { FILESTORE_MOUNTS_MAX, GUEST_DATA_ROOT } from '@paddock/shared';
import type { ManifestFilestore } from './types.js';
import type { ManifestChecks } from './validatePublish.js';

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const PATH = new RegExp(`^${GUEST_DATA_ROOT}(/[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}){1,4}$`);

/**
 * The `filestores` section: which of the owner's filestores the app's sandbox has, where and
 * how. Names and paths are checked here; that a path does not overlap another is too.
 */
export function validateFilestores(v: ManifestChecks, pair: Pair): ManifestFilestore[] | undefined {
  const items = pair.value as Node | null;
  if (!isSeq(items)) {
    return v.fail(pair, 'filestores', '`filestores` must be a list of {name, path, mode}');
  }
  if (items.items.length > FILESTORE_MOUNTS_MAX) {
    v.report(items, 'filestores', `at most ${FILESTORE_MOUNTS_MAX} filestores`);
  }
  const out: ManifestFilestore[] = [];
  items.items.forEach((item, i) => {
    const at = `filestores[${i}]`;
    if (!isMap(item)) {
      v.report(item as Node, at, 'each filestore is a mapping with `name` and `path`');
      return;
    }
    const f = v.fields(item, at, ['name', 'path', 'mode']);
    const namePair = f.get('name');
    const pathPair = f.get('path');
    if (!namePair || !pathPair) {
      v.report(item, at, 'a filestore needs `name` and `path`');
      return;
    }
    const name = v.string(namePair, `${at}.name`);
    const where = v.string(pathPair, `${at}.path`);
    if (name !== undefined && !NAME.test(name)) {
      v.report(namePair.value as Node, `${at}.name`, 'lowercase letters, digits, `-` and `_`');
    }
    if (where !== undefined && !PATH.test(where)) {
      v.report(pathPair.value as Node, `${at}.path`, `an absolute path below ${GUEST_DATA_ROOT}`);
    }
    const modePair = f.get('mode');
    const mode = modePair && isScalar(modePair.value) ? modePair.value.value : 'ro';
    if (mode !== 'ro' && mode !== 'rw') {
      v.report((modePair?.value ?? item) as Node, `${at}.mode`, '`ro` or `rw`');
      return;
    }
    if (name === undefined || where === undefined || !NAME.test(name) || !PATH.test(where)) return;
    const clash = out.find(
      (o) =>
        o.name === name ||
        o.path === where ||
        o.path.startsWith(`${where}/`) ||
        where.startsWith(`${o.path}/`),
    );
    if (clash) {
      v.report(item, at, `overlaps filestores entry ${clash.name} at ${clash.path}`);
      return;
    }
    out.push({ name, path: where, mode });
  });
  return out;
}
