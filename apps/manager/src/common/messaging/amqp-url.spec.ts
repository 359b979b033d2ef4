import { describe, expect, it } from 'vitest';
import { redactAmqpUrl, scrubSecret } from './amqp-url';

describe('redactAmqpUrl', () => {
  it('hides the password and keeps the rest', () => {
    const shown = redactAmqpUrl('amqp://outpost:s3cr%40t@mq.example:5672/prod');
    expect(shown).toBe('amqp://outpost:***@mq.example:5672/prod');
    expect(shown).not.toContain('s3cr');
  });

  it('leaves a URL without a password as it is', () => {
    expect(redactAmqpUrl('amqp://127.0.0.1:5672')).toBe('amqp://127.0.0.1:5672');
  });

  it('hides a URL that does not parse whole', () => {
    expect(redactAmqpUrl('amqp://user:pa ss@')).toBe('<invalid AMQP URL>');
  });
});

describe('scrubSecret', () => {
  it('removes the password, raw and decoded, from a message', () => {
    const url = 'amqp://outpost:s3cr%40t@mq.example:5672';
    expect(scrubSecret('login s3cr%40t and s3cr@t refused', url)).toBe('login *** and *** refused');
  });

  it('changes nothing when there is no password', () => {
    expect(scrubSecret('connection refused', 'amqp://127.0.0.1')).toBe('connection refused');
  });
});
