import { defineConfig } from 'vitest/config';
import swc from 'unplugin-swc';
import path from 'node:path';

const root = import.meta.dirname;

// One config, one project per workspace package. The manager and agent go through SWC because
// NestJS dependency injection needs emitDecoratorMetadata, which esbuild does not emit.
const alias = {
  '@outpost/shared': path.resolve(root, 'libs/shared/src/index.ts'),
  '@outpost/migrations': path.resolve(root, 'db/migrations/src/index.ts'),
};
const swcPlugin = () =>
  swc.vite({
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
    },
    module: { type: 'es6' },
  });

export default defineConfig({
  test: {
    // Integration files each get their own fresh database; two cores cannot run many at once.
    maxWorkers: 2,
    projects: [
      {
        resolve: { alias },
        test: { name: 'shared', root: 'libs/shared', include: ['src/**/*.spec.ts'], environment: 'node' },
      },
      {
        resolve: { alias },
        plugins: [swcPlugin()],
        test: {
          name: 'manager',
          root: 'apps/manager',
          include: ['src/**/*.spec.ts', 'src/**/*.int-spec.ts', 'test/**/*.spec.ts', 'test/**/*.int-spec.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve: { alias },
        plugins: [swcPlugin()],
        test: {
          name: 'agent',
          root: 'apps/agent',
          include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
          environment: 'node',
          testTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: { name: 'console', root: 'apps/console', include: ['src/**/*.spec.ts'], environment: 'node' },
      },
      {
        // Real manager and agent processes; run on their own (scripts/test.sh) so timing-bound
        // checks such as failover are not starved by the other suites on a two-core machine.
        test: {
          name: 'e2e',
          root: 'apps',
          include: ['*/test/e2e/**/*.e2e-spec.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
