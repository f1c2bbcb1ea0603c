import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The merchant console. Built to web/dist, which the gateway serves at /console
 * (src/http/console.ts): hashed files under assets/ are cached for a year, index.html never.
 * In development `npx vite web` proxies the admin API to a gateway on :3000.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    chunkSizeWarningLimit: 1500,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
