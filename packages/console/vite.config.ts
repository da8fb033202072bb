import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// paddockd serves dist/ at `/`; in development Vite serves the SPA and forwards the API. The
// forwarded requests name the daemon's own host (changeOrigin): paddockd answers the API only
// on its console hosts, and Vite's localhost:5173 is not one of them. Terminals are
// WebSockets, and a cookie-authenticated WebSocket must carry an Origin naming the host it is
// sent to: the dev server forwards them with the daemon's origin, as the built console sends.
const DAEMON = process.env.PADDOCK_DEV_API ?? 'http://127.0.0.1:7070';

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
      '/v1': {
        target: DAEMON,
        changeOrigin: true,
        ws: true,
        configure: (proxy) => {
          proxy.on('proxyReqWs', (request) => request.setHeader('origin', new URL(DAEMON).origin));
        },
      },
    },
  },
});
