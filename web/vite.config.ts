import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/**
 * rc-component's dynamic CSS (`injectCSS`/`updateCSS` of @rc-component/util) adds <style>
 * elements for the drawer and modal scroll locker and the table's scrollbar measurement,
 * and those callers pass no `csp` option, so the console's policy (style-src-elem with a
 * nonce, src/http/console-csp.ts) blocked them. This gives `injectCSS` the page's nonce
 * (index.html's <meta name="csp-nonce">) whenever its caller passed none; antd's own
 * CSS-in-JS gets it from ConfigProvider `csp` (web/src/main.tsx). The build fails if the
 * library's code no longer has the shape this rewrites, so an upgrade cannot silently undo it.
 */
function rcDynamicCssNonce(): Plugin {
  const signature = 'export function injectCSS(css, option = {}) {';
  return {
    name: 'juhe-rc-dynamic-css-nonce',
    transform(code, id) {
      if (!/@rc-component[\\/]util[\\/]es[\\/]Dom[\\/]dynamicCSS\.js$/.test(id.split('?')[0]!)) return null;
      if (!code.includes(signature)) {
        throw new Error(`${id}: injectCSS changed shape; update web/vite.config.ts rcDynamicCssNonce`);
      }
      return code.replace(
        signature,
        `${signature}
  if (!option.csp?.nonce && typeof document !== 'undefined') {
    const nonce = document.querySelector('meta[name="csp-nonce"]')?.content;
    if (nonce && nonce !== '__CSP_NONCE__') option = { ...option, csp: { ...option.csp, nonce } };
  }`,
      );
    },
  };
}

/**
 * The merchant console. Built to web/dist, which the gateway serves at /console
 * (src/http/console.ts): hashed files under assets/ are cached for a year, index.html never.
 * In development `npx vite web` proxies the admin API to a gateway on :3000.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [react(), rcDynamicCssNonce()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    chunkSizeWarningLimit: 1500,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
