import type { RouteObject } from 'react-router';

/** Paths relative to `/zones/:zoneId`; each page is its own chunk. */
export const credentialsRoutes: RouteObject[] = [
  {
    path: 'credentials',
    lazy: async () => ({ Component: (await import('./pages/CredentialsPage')).CredentialsPage }),
  },
];
