import { ApiError } from '../api/api-error';

/** A title per kind of failure; the manager's message says the specifics. */
export function problemTitle(error: unknown): string {
  if (!(error instanceof ApiError)) return 'Something went wrong';
  switch (error.code) {
    case 'NETWORK_ERROR':
      return 'The manager cannot be reached';
    case 'VALIDATION_FAILED':
      return 'Some fields need attention';
    case 'UNAUTHENTICATED':
      return 'Please sign in again';
    case 'INVALID_CREDENTIALS':
      return 'Wrong username or password';
    case 'FORBIDDEN':
      return 'Your role does not allow this';
    case 'TOO_MANY_REQUESTS':
      return 'Too many attempts';
    case 'ZONE_NOT_EMPTY':
      return 'The zone is still in use';
    case 'LAST_ADMIN':
      return 'The last admin must stay';
    default:
      if (error.status >= 500) return 'The manager failed to answer';
      if (error.status === 404) return 'Not found';
      if (error.status === 409) return 'Not possible right now';
      return 'The request was refused';
  }
}

/** The sentence to show: the manager's own words, or ours for failures without them. */
export function problemMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status >= 500 && error.code !== 'SERVICE_UNAVAILABLE') {
      return 'An unexpected error happened on the manager. Try again; if it persists, give the request id below to whoever runs the manager.';
    }
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
