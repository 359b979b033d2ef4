import { ApiError } from '../api/api-error';

type Listener = () => void;
const listeners = new Set<Listener>();

/**
 * The query client sees every failed call; the session provider knows how to sign out and where to
 * go. This small channel joins them without an import cycle.
 */
export function onSessionExpired(listener: Listener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** A 401 on a signed-in call means the session is gone (expired, password changed, user disabled). */
export function reportIfSessionExpired(error: unknown): void {
  if (error instanceof ApiError && error.status === 401 && error.code === 'UNAUTHENTICATED') {
    for (const listener of listeners) listener();
  }
}
