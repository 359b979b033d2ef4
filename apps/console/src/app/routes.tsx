import { type ComponentType, lazy, type LazyExoticComponent } from 'react';

export interface AppRoute {
  path: string;
  /** Shown in the tab title. */
  title: string;
  component: LazyExoticComponent<ComponentType>;
}

/**
 * Every page is its own chunk, loaded when first visited, so the first load stays small as the
 * console grows. Pages are named exports; `lazy` wants a default, hence the `.then`.
 */
export const appRoutes: readonly AppRoute[] = [
  {
    path: '/',
    title: 'Status',
    component: lazy(() =>
      import('../features/health/pages/StatusPage').then((page) => ({ default: page.StatusPage })),
    ),
  },
];

export function matchRoute(pathname: string): AppRoute | undefined {
  const normalized = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  return appRoutes.find((route) => route.path === normalized);
}
