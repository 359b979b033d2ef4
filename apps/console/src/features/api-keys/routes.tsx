import type { RouteObject } from 'react-router';

/** Paths relative to `/zones/:zoneId`; each page is its own chunk. */
export const apiKeysRoutes: RouteObject[] = [
  {
    path: 'api-keys',
    lazy: async () => ({ Component: (await import('./pages/ApiKeysPage')).ApiKeysPage }),
  },
];
