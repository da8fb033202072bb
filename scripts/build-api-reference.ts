// Renders docs/openapi.json as the static API reference paddockd serves at /docs; part of
// `npm run build`, after `tsc -b` (it writes next to the daemon's built files).
import fs from 'node:fs';
import path from 'node:path';
import {
  renderApiReference,
  type OpenApiDocument,
} from '../packages/daemon/src/docs/referenceHtml.js';
import {
  REFERENCE_DIR,
  REFERENCE_PAGE,
  REFERENCE_STYLESHEET,
} from '../packages/daemon/src/docs/referenceRoutes.js';

const root = path.resolve(import.meta.dirname, '..');
const doc = JSON.parse(
  fs.readFileSync(path.join(root, 'docs/openapi.json'), 'utf8'),
) as OpenApiDocument;
fs.mkdirSync(REFERENCE_DIR, { recursive: true });
fs.writeFileSync(
  path.join(REFERENCE_DIR, REFERENCE_PAGE),
  renderApiReference(doc, {
    stylesheet: `/docs/${REFERENCE_STYLESHEET}`,
    documentUrl: '/v1/openapi.json',
  }),
);
fs.copyFileSync(
  path.join(root, 'packages/daemon/src/docs', REFERENCE_STYLESHEET),
  path.join(REFERENCE_DIR, REFERENCE_STYLESHEET),
);
