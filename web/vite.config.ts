/// <reference types="vitest" />
import { defineConfig, loadEnv, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * A strict Content-Security-Policy for the built app only (Vite's dev server needs inline
 * scripts for hot reload). `VITE_UPLOAD_ORIGIN` is where presigned S3 URLs point (uploads and
 * media previews); `VITE_API_ORIGIN` is set only when the API is on another origin;
 * `VITE_LIVE_URL` is the live feed's WebSocket when it is not `/live` on the app's origin
 * (same-origin `ws:`/`wss:` is covered by 'self').
 */
function contentSecurityPolicy(env: Record<string, string>): Plugin {
  const uploads = env.VITE_UPLOAD_ORIGIN ?? 'http://127.0.0.1:5055';
  const api = env.VITE_API_ORIGIN ?? '';
  const live = env.VITE_LIVE_URL ? new URL(env.VITE_LIVE_URL).origin : '';
  const connect = ["'self'", uploads, api, live].filter(Boolean).join(' ');
  const policy = [
    "default-src 'self'",
    "script-src 'self'",
    // FullCalendar 6 creates one empty <style> element and fills it through CSSOM (insertRule),
    // which CSP does not block; the hash below allows exactly that empty element, no inline CSS.
    "style-src 'self' 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
    `img-src 'self' data: blob: ${uploads}`,
    `media-src 'self' blob: ${uploads}`,
    `connect-src ${connect}`,
    "font-src 'self' data:", // FullCalendar's arrow icons are an inline font
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    'upgrade-insecure-requests',
  ]
    .filter((d) => !(d === 'upgrade-insecure-requests' && uploads.startsWith('http:')))
    .join('; ');
  return {
    name: 'content-security-policy',
    apply: 'build',
    transformIndexHtml(html) {
      return html.replace(
        '<!--CSP-->',
        `<meta http-equiv="Content-Security-Policy" content="${policy}" />`,
      );
    },
  };
}

export default defineConfig(({ mode }) => {
  const env = { ...loadEnv(mode, process.cwd(), 'VITE_') };
  const apiTarget = process.env.API_PROXY_TARGET ?? 'http://127.0.0.1:3000';
  const proxy = {
    '/api': { target: apiTarget, changeOrigin: false },
    // The live feed's WebSocket is served next to the API.
    '/live': { target: apiTarget, changeOrigin: false, ws: true },
  };
  return {
    plugins: [react(), contentSecurityPolicy(env)],
    server: { host: '127.0.0.1', port: 5173, strictPort: true, proxy },
    preview: { host: '127.0.0.1', port: 5173, strictPort: true, proxy },
    build: { target: 'es2022', sourcemap: false, modulePreload: { polyfill: false } },
    test: {
      environment: 'jsdom',
      globals: true,
      include: ['tests/unit/**/*.test.{ts,tsx}'],
      setupFiles: ['tests/unit/setup.ts'],
      env: { VITE_API_BASE_URL: 'http://localhost:3000' },
    },
  };
});
