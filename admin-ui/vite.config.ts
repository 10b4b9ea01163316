import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The admin dashboard. `npm run build:admin` writes admin-ui/dist, which every node
 * serves at /admin (libs/admin). For UI work against a running node on :3000:
 *   npx vite --config admin-ui/vite.config.ts   (proxies /api to http://127.0.0.1:3000)
 */
export default defineConfig({
  root,
  base: '/admin/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: { '/api': process.env.SWITCHBOARD_API ?? 'http://127.0.0.1:3000' },
  },
});
