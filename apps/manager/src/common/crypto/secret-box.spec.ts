import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box';
import { hashSecret, issueSecret, secretKindOf } from './secret-tokens';

describe('SecretBox', () => {
  const box = new SecretBox({ credentialsKey: randomBytes(32) });

  it('opens what it sealed, with a fresh IV each time', () => {
    const a = box.seal('p@ssw0rd');
    const b = box.seal('p@ssw0rd');
    expect(a).not.toBe(b);
    expect(a).not.toContain('p@ssw0rd');
    expect(box.open(a)).toBe('p@ssw0rd');
  });

  it('refuses a tampered value or another key', () => {
    const sealed = box.seal('secret');
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1] ^= 1;
    expect(() => box.open(`v1:${raw.toString('base64')}`)).toThrow();
    expect(() => new SecretBox({ credentialsKey: randomBytes(32) }).open(sealed)).toThrow();
  });
});

describe('issueSecret', () => {
  it('issues prefixed 256-bit secrets and stores only their hash', () => {
    const issued = issueSecret('opk');
    expect(secretKindOf(issued.secret)).toBe('opk');
    expect(issued.prefix).toBe(issued.secret.slice(0, 12));
    expect(issued.hash).toBe(hashSecret(issued.secret));
    expect(issued.hash).not.toContain(issued.secret.slice(4));
    expect(issueSecret('opk').secret).not.toBe(issued.secret);
  });
});
