import type { RouteObject } from 'react-router';

/** Paths relative to `/zones/:zoneId`; each page is its own chunk. */
export const tasksRoutes: RouteObject[] = [
  {
    path: 'tasks',
    lazy: async () => ({ Component: (await import('./pages/TasksPage')).TasksPage }),
  },
  {
    path: 'tasks/new',
    lazy: async () => ({ Component: (await import('./pages/NewTaskPage')).NewTaskPage }),
  },
  {
    path: 'tasks/:taskId',
    lazy: async () => ({ Component: (await import('./pages/TaskDetailPage')).TaskDetailPage }),
  },
];
