import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The app is served by `leadport serve` from dist/web (npm run build); `npx vite --config web/vite.config.ts`
// serves it with hot reload and sends the API's paths to a Leadport on port 3000.
const API_PREFIXES = ['/api', '/flows', '/docs', '/health', '/ready', '/metrics'];

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: path.resolve(import.meta.dirname, '../dist/web'),
    emptyOutDir: true,
    // One chart library and one component library make a large first chunk; it is cached, and served locally.
    chunkSizeWarningLimit: 2000,
  },
  server: {
    proxy: Object.fromEntries(API_PREFIXES.map((prefix) => [prefix, 'http://127.0.0.1:3000'])),
  },
});
