import { describeError } from '../../api/api-error';

export type StatusTone = 'ok' | 'warning' | 'error' | 'pending';

export interface StatusLine {
  tone: StatusTone;
  value: string;
  detail?: string;
}

/** The part of a query result these lines read; kept narrow so the wording is easy to follow. */
interface QueryLike<T> {
  status: 'pending' | 'error' | 'success';
  data?: T;
  error: unknown;
}

const checking: StatusLine = { tone: 'pending', value: 'Checking…' };

export function livenessLine(query: QueryLike<unknown>): StatusLine {
  if (query.status === 'pending') return checking;
  if (query.status === 'error')
    return { tone: 'error', value: 'Not answering', detail: describeError(query.error) };
  return { tone: 'ok', value: 'Running' };
}

export function activationLine(query: QueryLike<{ activated: boolean }>): StatusLine {
  if (query.status === 'pending') return checking;
  if (query.status === 'error' || !query.data)
    return { tone: 'error', value: 'Unknown', detail: describeError(query.error) };
  return query.data.activated
    ? { tone: 'ok', value: 'Activated' }
    : { tone: 'warning', value: 'Not activated yet' };
}

/** What the operator should do next, in one sentence. */
export function nextStep(activation: QueryLike<{ activated: boolean }>): string {
  if (activation.status === 'pending') return 'Checking what comes next…';
  if (activation.status === 'error' || !activation.data) {
    return 'The manager did not say whether an admin exists yet; check again, and look at its log if this persists.';
  }
  if (!activation.data.activated) {
    return (
      'Next: create the first admin account. Until then nobody can sign in, and whoever reaches the manager ' +
      'first can claim it, so do it now: open the console (or send a username and password to ' +
      'POST /api/v1/auth/activate).'
    );
  }
  return 'Next: open the console, sign in, create a zone, and install an agent from its Agents page.';
}
