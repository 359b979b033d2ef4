import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** A manager running locally; in development the console reaches it same-origin through this proxy. */
const MANAGER_URL = 'http://127.0.0.1:8090';
const managerPaths = ['/api', '/inner', '/swagger', '/healthz', '/readyz'];

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
  },
  server: {
    proxy: Object.fromEntries(
      managerPaths.map((prefix) => [prefix, { target: MANAGER_URL, changeOrigin: false }]),
    ),
  },
});
