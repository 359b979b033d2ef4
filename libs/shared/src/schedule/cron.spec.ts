import { describe, expect, it } from 'vitest';
import { canonicalTimeZone, describeCronError, isValidTimeZone, nextCronRuns } from './cron';

describe('describeCronError', () => {
  it('accepts 5 fields and 6 fields with seconds first', () => {
    expect(describeCronError('0 9 * * 1-5')).toBeNull();
    expect(describeCronError('*/15 * * * * *')).toBeNull();
    expect(describeCronError('  0  9 * * MON ')).toBeNull();
  });

  it('refuses a 7-field (Klevr seconds+year) expression and a nickname', () => {
    expect(describeCronError('0 0 9 * * * 2030')).toMatch(/5 fields .* got 7/);
    expect(describeCronError('@hourly')).toMatch(/got 1/);
  });

  it('refuses out-of-range values', () => {
    expect(describeCronError('61 * * * *')).toMatch(/minute/);
    expect(describeCronError('0 24 * * *')).toMatch(/hour/);
    expect(describeCronError('60 * * * * *')).toMatch(/second/);
  });

  it('refuses an expression that never fires', () => {
    expect(describeCronError('0 0 30 2 *')).toBe('cron never fires');
  });
});

describe('nextCronRuns', () => {
  it('reads the cron in the task time zone, across a daylight-saving change', () => {
    // New York moves to EDT on 2030-03-10: 09:00 is 14:00Z before, 13:00Z after.
    const runs = nextCronRuns('0 9 * * *', 'America/New_York', 2, new Date('2030-03-09T13:00:00Z'));
    expect(runs.map((d) => d.toISOString())).toEqual([
      '2030-03-09T14:00:00.000Z',
      '2030-03-10T13:00:00.000Z',
    ]);
  });

  it('is strictly after the given instant', () => {
    const [next] = nextCronRuns('0 9 * * *', 'Asia/Seoul', 1, new Date('2030-01-01T00:00:00Z'));
    expect(next?.toISOString()).toBe('2030-01-02T00:00:00.000Z');
  });

  it('treats a sixth field as seconds', () => {
    const runs = nextCronRuns('*/20 * * * * *', 'UTC', 2, new Date('2030-01-01T00:00:00.500Z'));
    expect(runs.map((d) => d.toISOString())).toEqual([
      '2030-01-01T00:00:20.000Z',
      '2030-01-01T00:00:40.000Z',
    ]);
  });
});

describe('time zones', () => {
  it('knows IANA names and refuses unknown or empty ones', () => {
    expect(isValidTimeZone('Europe/Paris')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
    expect(isValidTimeZone('  ')).toBe(false);
  });

  it('canonicalises the spelling of a valid name and leaves an invalid one alone', () => {
    expect(canonicalTimeZone('asia/seoul')).toBe('Asia/Seoul');
    expect(canonicalTimeZone('utc')).toBe('UTC');
    expect(canonicalTimeZone('Mars/Olympus')).toBe('Mars/Olympus');
  });
});
