import type { RouteObject } from 'react-router';

/** Paths relative to `/zones/:zoneId`; each page is its own chunk. */
export const agentsRoutes: RouteObject[] = [
  {
    path: 'agents',
    lazy: async () => ({ Component: (await import('./pages/AgentsPage')).AgentsPage }),
  },
];
