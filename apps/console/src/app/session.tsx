import type { User } from '@outpost/shared';
import { Center, Loader } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { Navigate, useLocation } from 'react-router';
import { clearAccessToken, readAccessToken } from '../api/access-token';
import { ProblemAlert } from '../components/ProblemAlert';
import { activationStatusQuery, currentUserQuery } from '../features/auth/api/auth.queries';
import { onSessionExpired } from './session-expiry';

export interface SessionValue {
  user: User;
  /** Operators and admins may change things; viewers only look. */
  canChange: boolean;
  isAdmin: boolean;
  signOut(): void;
}

const SessionContext = createContext<SessionValue | null>(null);

/** The signed-in user; only inside the signed-in layout. */
export function useSession(): SessionValue {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession() is only available on signed-in pages');
  return session;
}

/** `/login?next=/zones/3/tasks` so that signing in again lands where the user was. */
export function loginPath(next?: string, reason?: 'expired'): string {
  const params = new URLSearchParams();
  if (next && next !== '/' && !next.startsWith('/login')) params.set('next', next);
  if (reason) params.set('reason', reason);
  const query = params.toString();
  return query ? `/login?${query}` : '/login';
}

export function FullPageLoader() {
  return (
    <Center h="100vh">
      <Loader aria-label="Loading" />
    </Center>
  );
}

/**
 * Route guard of every signed-in page: not activated → /activate; no session → /login?next=…;
 * a 401 later on (expired session, changed password, disabled user) → the same, with a reason.
 */
export function RequireSession({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const location = useLocation();
  const hasToken = readAccessToken() !== null;
  const status = useQuery(activationStatusQuery());
  const me = useQuery({ ...currentUserQuery(), enabled: hasToken && status.data?.activated === true });
  const here = `${location.pathname}${location.search}`;

  // Where a sign-out or an expired session leads; set once, so a late 401 cannot redirect again.
  const [leavingTo, setLeavingTo] = useState<string | null>(null);
  const endSession = useCallback((to: string) => {
    clearAccessToken();
    setLeavingTo((current) => current ?? to);
  }, []);

  // The signed-in cache goes with the session, once its pages are gone.
  useEffect(
    () => () => {
      if (readAccessToken() === null) queryClient.clear();
    },
    [queryClient],
  );

  useEffect(() => onSessionExpired(() => endSession(loginPath(here, 'expired'))), [endSession, here]);

  const user = me.data;
  const value = useMemo<SessionValue | null>(
    () =>
      user
        ? {
            user,
            canChange: user.role === 'operator' || user.role === 'admin',
            isAdmin: user.role === 'admin',
            signOut: () => endSession('/login'),
          }
        : null,
    [user, endSession],
  );

  if (leavingTo !== null) return <Navigate to={leavingTo} replace />;
  if (status.isPending) return <FullPageLoader />;
  if (status.isError)
    return (
      <Center h="100vh" p="md">
        <ProblemAlert error={status.error} />
      </Center>
    );
  if (!status.data.activated) return <Navigate to="/activate" replace />;
  if (!hasToken) return <Navigate to={loginPath(here)} replace />;
  if (me.isError) {
    // A 401 is handled by the expiry listener above; anything else is shown.
    return (
      <Center h="100vh" p="md">
        <ProblemAlert error={me.error} />
      </Center>
    );
  }
  if (!value) return <FullPageLoader />;
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
