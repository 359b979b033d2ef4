import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** A manager running locally; in development the console reaches it same-origin through this proxy. */
const MANAGER_URL = 'http://127.0.0.1:8090';
const managerPaths = ['/api', '/inner', '/swagger', '/healthz', '/readyz'];

const vendorChunks: Record<string, RegExp> = {
  react: /node_modules\/(react|react-dom|scheduler)\//,
  data: /node_modules\/(@tanstack|react-router|cookie|set-cookie-parser)\//,
  zod: /node_modules\/(zod|croner)\//,
};

function vendorChunkOf(id: string): string | undefined {
  return Object.entries(vendorChunks).find(([, pattern]) => pattern.test(id))?.[0];
}

export default defineConfig({
  plugins: [react()],
  resolve: {
    // The console compiles the shared contracts from source: one schema, no build step in between.
    alias: { '@outpost/shared': fileURLToPath(new URL('../../libs/shared/src/index.ts', import.meta.url)) },
  },
  build: {
    // The manager serves this folder at `/` (apps/manager/src/create-app.ts).
    outDir: 'dist',
    emptyOutDir: true,
    rollupOptions: {
      output: {
        // Libraries change less often than the console: their own chunks stay cached across upgrades.
        // (Mantine is left to the page chunks, so a page loads only the components it uses.)
        manualChunks: (id) => vendorChunkOf(id),
      },
    },
  },
  server: {
    proxy: Object.fromEntries(
      managerPaths.map((prefix) => [prefix, { target: MANAGER_URL, changeOrigin: false }]),
    ),
  },
});
