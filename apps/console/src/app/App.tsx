import { Suspense, useEffect } from 'react';
import { NotFoundPage } from './NotFoundPage';
import { PageErrorBoundary } from './PageErrorBoundary';
import { PRODUCT_NAME } from './product';
import { matchRoute } from './routes';

export function App() {
  const route = matchRoute(window.location.pathname);

  useEffect(() => {
    document.title = `${route?.title ?? 'Not found'} · ${PRODUCT_NAME}`;
  }, [route]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <a className="app-name" href="/">
          {PRODUCT_NAME}
        </a>
      </header>
      <main id="main" className="app-main" tabIndex={-1}>
        <PageErrorBoundary>
          <Suspense fallback={<p role="status">Loading…</p>}>
            {route ? <route.component /> : <NotFoundPage />}
          </Suspense>
        </PageErrorBoundary>
      </main>
    </>
  );
}
