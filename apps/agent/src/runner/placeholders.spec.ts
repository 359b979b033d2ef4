import { describe, expect, it } from 'vitest';
import { substitutePlaceholders } from './placeholders';

describe('substitutePlaceholders', () => {
  it('replaces every {{KEY}} naming a credential', () => {
    expect(substitutePlaceholders('{"a":"{{USER}}","b":"{{USER}}:{{PW}}"}', { USER: 'u', PW: 'p' })).toBe(
      '{"a":"u","b":"u:p"}',
    );
  });

  it('leaves placeholders that name no credential as they are', () => {
    expect(substitutePlaceholders('{{MISSING}} {{ }} {{USER}}', { USER: 'u' })).toBe('{{MISSING}} {{ }} u');
  });

  it('never treats a key as a regular expression', () => {
    // Klevr built /{{A.B}}/ from the key, which also matched {{AxB}}.
    expect(substitutePlaceholders('{{AxB}} {{A.B}}', { 'A.B': 'dot' })).toBe('{{AxB}} dot');
    expect(substitutePlaceholders('{{(.*)}}', { X: 'y' })).toBe('{{(.*)}}');
  });

  it('keeps $ patterns in values literal and does not expand placeholders inside values', () => {
    expect(substitutePlaceholders('{{A}}', { A: '$& $1 $$' })).toBe('$& $1 $$');
    expect(substitutePlaceholders('{{A}}', { A: '{{B}}', B: 'no' })).toBe('{{B}}');
  });

  it('does not look keys up on the prototype', () => {
    expect(substitutePlaceholders('{{toString}} {{__proto__}}', {})).toBe('{{toString}} {{__proto__}}');
  });
});
