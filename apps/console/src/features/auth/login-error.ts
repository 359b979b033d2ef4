import { ApiError } from '../../api/api-error';

/** The refusal of a sign-in, in words; `null` for failures the generic alert describes better. */
export function loginRefusal(error: unknown): { title: string; message: string } | null {
  if (!(error instanceof ApiError)) return null;
  if (error.code === 'INVALID_CREDENTIALS') {
    return {
      title: 'Wrong username or password',
      message: 'Check both and try again. Repeated failures lock the account for a while.',
    };
  }
  if (error.code === 'TOO_MANY_REQUESTS') {
    const wait = error.retryAfterSeconds;
    return {
      title: 'Signing in is locked for now',
      message:
        wait !== null
          ? `Too many failed sign-ins. Try again in ${formatWait(wait)}.`
          : `${error.message}.`.replace(/\.\.$/, '.'),
    };
  }
  return null;
}

export function formatWait(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}
