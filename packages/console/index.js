// The built SPA's directory, for paddockd to serve at `/`.
import { fileURLToPath } from 'node:url';

export const CONSOLE_DIST_DIR = fileURLToPath(new URL('./dist/', import.meta.url));
