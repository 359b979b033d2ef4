import { describe, expect, it } from 'vitest';
import { isReservedCommandName, parseReservedParameter, reservedCommandNames } from './reserved-commands';

describe('reserved commands', () => {
  it("lists Klevr's catalogue", () => {
    expect(reservedCommandNames).toEqual([
      'ChangeLogLevel',
      'CollectAgentLog',
      'StopTask',
      'ForceShutdownAgent',
      'GracefulShutdownAgent',
      'GetAgentsRunningTasks',
    ]);
  });

  it('recognises only catalogue names, not inherited object keys', () => {
    expect(isReservedCommandName('StopTask')).toBe(true);
    expect(isReservedCommandName('stoptask')).toBe(false);
    expect(isReservedCommandName('toString')).toBe(false);
    expect(isReservedCommandName('__proto__')).toBe(false);
  });

  it('reads an empty parameter as {} and applies defaults', () => {
    expect(parseReservedParameter('CollectAgentLog', '')).toEqual({ sort: 'LATEST', maxBytes: 30_720 });
    expect(parseReservedParameter('ForceShutdownAgent', '  ')).toEqual({});
  });

  it("accepts Klevr's upper-case log levels", () => {
    expect(parseReservedParameter('ChangeLogLevel', '{"level":"DEBUG"}')).toEqual({ level: 'debug' });
  });

  it('refuses a missing or invalid parameter instead of crashing later (Klevr panicked)', () => {
    expect(() => parseReservedParameter('StopTask', '{}')).toThrow(/targetTaskId/);
    expect(() => parseReservedParameter('StopTask', '{"targetTaskId":-1}')).toThrow();
    expect(() => parseReservedParameter('ChangeLogLevel', '{"level":"loud"}')).toThrow();
    expect(() => parseReservedParameter('ChangeLogLevel', '{level')).toThrow(SyntaxError);
  });
});
