import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * xterm.js under the console's CSP (`style-src 'self'`): its `<style>` elements become
 * `<paddock-xterm-style>` (src/components/terminal/xtermStyleElement.ts: a constructable
 * stylesheet, which the CSP allows), and the one `style` attribute it sets (true-colour cells)
 * goes through CSSOM. Fails the build if xterm's code no longer reads as expected, so an
 * upgrade cannot bring the violations back silently.
 */
function xtermStyleElements(): Plugin {
  const styleElement = /createElement\("style"\)/g;
  const styleAttribute =
    /_addStyle\((\w+),(\w+)\)\{\1\.setAttribute\("style",`\$\{\1\.getAttribute\("style"\)\|\|""\}\$\{\2\};`\)\}/g;
  return {
    name: 'paddock-xterm-style-elements',
    transform(code, id) {
      if (!/[\\/]@xterm[\\/]xterm[\\/]lib[\\/]xterm\.mjs$/.test(id)) return null;
      const elements = code.match(styleElement)?.length ?? 0;
      const attributes = code.match(styleAttribute)?.length ?? 0;
      if (elements !== 3 || attributes !== 1) {
        throw new Error(
          `@xterm/xterm changed: ${elements} <style> elements and ${attributes} style attribute ` +
            'setters where 3 and 1 were expected; check vite.config.ts against the CSP',
        );
      }
      return code
        .replace(styleElement, 'createElement("paddock-xterm-style")')
        .replace(styleAttribute, '_addStyle($1,$2){$1.style.cssText+=$2+";"}');
    },
  };
}

// paddockd serves dist/ at `/`; in development Vite serves the SPA and forwards the API. The
// forwarded requests name the daemon's own host (changeOrigin): paddockd answers the API only
// on its console hosts, and Vite's localhost:5173 is not one of them. Terminals are
// WebSockets, and a cookie-authenticated WebSocket must carry an Origin naming the host it is
// sent to: the dev server forwards them with the daemon's origin, as the built console sends.
const DAEMON = process.env.PADDOCK_DEV_API ?? 'http://127.0.0.1:7070';

export default defineConfig({
  base: '/',
  plugins: [react(), xtermStyleElements()],
  // Not pre-bundled in development, so the transform above applies there too.
  optimizeDeps: { exclude: ['@xterm/xterm'] },
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
