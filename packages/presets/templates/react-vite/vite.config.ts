import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// https://vite.dev/config/
export default defineConfig({
  plugins: [react()],
  // Relative asset URLs: a published bundle is served under a path of its own on the app's
  // origin (/t/{token}/index.html), not at the root.
  base: './',
  // Keep Vite's dependency cache in the project: node_modules may be read-only (shared install).
  cacheDir: '.vite',
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    // Reached through a preview proxy under its own host names (which does the authentication).
    // HMR is left unpinned so the client connects back to the page's own host and port.
    allowedHosts: true,
  },
});
