// Regenerates docs/openapi.json from the route schemas: `npm run openapi`.
import fs from 'node:fs';
import path from 'node:path';
import { openApiDocument } from '../test/openapiDocument.js';

const out = path.resolve(import.meta.dirname, '../docs/openapi.json');
fs.writeFileSync(out, await openApiDocument());
console.log(`wrote ${out}`);
