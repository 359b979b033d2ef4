import { Cron } from 'croner';

/**
 * The one cron dialect of Outpost, used by the console (preview), the manager (scheduling) and the
 * agent: 5 fields `min hour dom mon dow`, or 6 with a seconds field first. Klevr's console and agent
 * disagreed on what a 6th field meant; here it is always seconds, everywhere.
 */
export function describeCronError(expression: string, timeZone = 'UTC'): string | null {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    return `cron must have 5 fields (min hour day month weekday) or 6 with seconds first; got ${fields.length}`;
  }
  try {
    const cron = new Cron(expression, { timezone: timeZone, paused: true });
    if (!cron.nextRun(new Date())) return 'cron never fires';
    return null;
  } catch (error) {
    return error instanceof Error ? error.message.replace(/^CronPattern: /, '') : 'invalid cron expression';
  }
}

/** The next `count` fire times strictly after `from`, in UTC instants. */
export function nextCronRuns(
  expression: string,
  timeZone: string,
  count: number,
  from: Date = new Date(),
): Date[] {
  return new Cron(expression, { timezone: timeZone, paused: true }).nextRuns(count, from);
}

/** At most this many names are remembered (IANA has about 600 zones; the rest would be typos). */
const TIME_ZONE_MEMO_LIMIT = 1_000;
/** Name → its canonical spelling, or null when invalid: an Intl.DateTimeFormat is costly to build. */
const timeZoneMemo = new Map<string, string | null>();

function resolveTimeZone(timeZone: string): string | null {
  const known = timeZoneMemo.get(timeZone);
  if (known !== undefined) return known;
  let canonical: string | null = null;
  if (timeZone.trim() !== '') {
    try {
      canonical = new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
    } catch {
      canonical = null;
    }
  }
  if (timeZoneMemo.size < TIME_ZONE_MEMO_LIMIT) timeZoneMemo.set(timeZone, canonical);
  return canonical;
}

export function isValidTimeZone(timeZone: string): boolean {
  return resolveTimeZone(timeZone) !== null;
}

/**
 * The canonical spelling of a valid IANA time zone (`asia/seoul` -> `Asia/Seoul`), so what is
 * stored reads the same in every runtime; an invalid name is returned unchanged.
 */
export function canonicalTimeZone(timeZone: string): string {
  return resolveTimeZone(timeZone) ?? timeZone;
}
