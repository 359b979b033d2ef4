import { describe, expect, it } from 'vitest';
import { SecretMasker } from './secret-masker';

describe('SecretMasker', () => {
  it('masks every occurrence of every value of at least 4 characters', () => {
    const masker = new SecretMasker(['s3cret', 'abc', 'token-1']);
    expect(masker.mask('s3cret and token-1 and s3cret, abc stays')).toBe('*** and *** and ***, abc stays');
  });

  it('covers overlapping and adjacent values completely', () => {
    const masker = new SecretMasker(['abcd', 'cdef']);
    expect(masker.mask('xabcdefx')).toBe('x***x');
    expect(masker.mask('abcdabcd')).toBe('***');
  });

  it('treats values as plain text, not patterns', () => {
    expect(new SecretMasker(['a.*b']).mask('axxb a.*b')).toBe('axxb ***');
  });

  it('masks values that span lines', () => {
    const key = '-----BEGIN KEY-----\nAAAA\n-----END KEY-----';
    expect(new SecretMasker([key]).mask(`cat:\n${key}\ndone`)).toBe('cat:\n***\ndone');
  });

  it('holds back a tail that may be the start of a value', () => {
    const masker = new SecretMasker(['hunter2!']);
    expect(masker.safeCut('log line hunt')).toBe('log line '.length);
    expect(masker.safeCut('log line hunx')).toBe('log line hunx'.length);
    expect(masker.safeCut('ends with hunter2!')).toBe('ends with hunter2!'.length);
  });

  it('never cuts inside a complete occurrence', () => {
    const masker = new SecretMasker(['abcdef']);
    expect(masker.avoidSplitting('xxabcdefyy', 5)).toBe(2);
    expect(masker.avoidSplitting('xxabcdefyy', 8)).toBe(8);
  });

  it('with no secrets changes nothing and holds nothing', () => {
    const masker = new SecretMasker(['', 'ab']);
    expect(masker.isEmpty).toBe(true);
    expect(masker.mask('ab ab')).toBe('ab ab');
    expect(masker.safeCut('abc')).toBe(3);
  });
});
