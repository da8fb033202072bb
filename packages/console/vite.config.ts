import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// paddockd serves dist/ at `/`; in development Vite serves the SPA and forwards the API.
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
      '/v1': { target: 'http://127.0.0.1:7070', changeOrigin: false },
    },
  },
});
