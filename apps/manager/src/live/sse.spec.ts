import { describe, expect, it } from 'vitest';
import { formatSseComment, formatSseMessage, formatSseRetry } from './sse';

describe('SSE framing', () => {
  it('writes id, event and data lines ended by a blank line', () => {
    expect(formatSseMessage({ id: '7', event: 'TASK_CREATED', data: '{"a":1}' })).toBe(
      'id: 7\nevent: TASK_CREATED\ndata: {"a":1}\n\n',
    );
    expect(formatSseMessage({ event: 'task.log', data: '{}' })).toBe('event: task.log\ndata: {}\n\n');
  });

  it('splits data with line breaks into several data lines, and keeps id and event on one line', () => {
    expect(formatSseMessage({ id: '1\n2', event: 'a\r\nb', data: 'x\ny\r\nz' })).toBe(
      'id: 1 2\nevent: a b\ndata: x\ndata: y\ndata: z\n\n',
    );
  });

  it('writes comments and the retry field', () => {
    expect(formatSseComment('ping')).toBe(': ping\n\n');
    expect(formatSseRetry(3000)).toBe('retry: 3000\n\n');
  });
});
