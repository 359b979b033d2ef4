import { createBrowserRouter, Navigate, type RouteObject } from 'react-router';
import { agentsRoutes } from '../features/agents/routes';
import { apiKeysRoutes } from '../features/api-keys/routes';
import { credentialsRoutes } from '../features/credentials/routes';
import { tasksRoutes } from '../features/tasks/routes';
import { webhooksRoutes } from '../features/webhooks/routes';
import { AppLayout } from './AppLayout';
import { NotFoundPage } from './NotFoundPage';
import { RouteError } from './PageErrorBoundary';
import { FullPageLoader, RequireSession } from './session';

/**
 * Every page is its own chunk, loaded on first visit, so the first load stays small as the console
 * grows. Pages are named exports, hence `lazy: async () => ({ Component: … })`.
 */
const routes: RouteObject[] = [
  {
    errorElement: <RouteError />,
    // Shown while the first page's chunk loads.
    hydrateFallbackElement: <FullPageLoader />,
    children: [
      {
        path: 'activate',
        lazy: async () => ({ Component: (await import('../features/auth/pages/ActivatePage')).ActivatePage }),
      },
      {
        path: 'login',
        lazy: async () => ({ Component: (await import('../features/auth/pages/LoginPage')).LoginPage }),
      },
      {
        path: 'status',
        lazy: async () => ({ Component: (await import('../features/health/pages/StatusPage')).StatusPage }),
      },
      {
        element: (
          <RequireSession>
            <AppLayout />
          </RequireSession>
        ),
        children: [
          {
            errorElement: <RouteError />,
            children: [
              { index: true, element: <Navigate to="/zones" replace /> },
              {
                path: 'zones',
                lazy: async () => ({
                  Component: (await import('../features/zones/pages/ZonesPage')).ZonesPage,
                }),
              },
              {
                path: 'zones/:zoneId',
                children: [
                  {
                    index: true,
                    lazy: async () => ({
                      Component: (await import('../features/overview/pages/OverviewPage')).OverviewPage,
                    }),
                  },
                  ...agentsRoutes,
                  ...tasksRoutes,
                  ...credentialsRoutes,
                  ...apiKeysRoutes,
                ],
              },
              {
                path: 'users',
                lazy: async () => ({
                  Component: (await import('../features/users/pages/UsersPage')).UsersPage,
                }),
              },
              {
                path: 'settings',
                lazy: async () => ({
                  Component: (await import('../features/settings/pages/SettingsPage')).SettingsPage,
                }),
              },
              ...webhooksRoutes,
              { path: '*', element: <NotFoundPage /> },
            ],
          },
        ],
      },
    ],
  },
];

export function createAppRouter() {
  return createBrowserRouter(routes);
}
