import type { RouteObject } from 'react-router';

/** Paths relative to the root; each page is its own chunk. */
export const webhooksRoutes: RouteObject[] = [
  {
    path: 'webhooks',
    lazy: async () => ({ Component: (await import('./pages/WebhooksPage')).WebhooksPage }),
  },
];
