import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// paddockd serves dist/ at `/`; in development Vite serves the SPA and forwards the API. The
// forwarded requests name the daemon's own host (changeOrigin): paddockd answers the API only
// on its console hosts, and Vite's localhost:5173 is not one of them.
export default defineConfig({
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
  },
  server: {
    proxy: {
      '/v1': { target: 'http://127.0.0.1:7070', changeOrigin: true },
    },
  },
});
