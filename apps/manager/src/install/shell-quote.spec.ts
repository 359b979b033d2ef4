import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { installCommandFor } from './install-command';
import { shellQuote } from './shell-quote';

/** What bash makes of `printf %s <quoted>`: the value itself, or the quoting is broken. */
const bashSees = (quoted: string) =>
  execFileSync('bash', ['-c', `printf %s ${quoted}`], { encoding: 'utf8' });

describe('shellQuote', () => {
  it.each([
    'plain',
    "it's",
    "''",
    '$(touch /tmp/outpost-pwned)',
    '`id`',
    '"; rm -rf / #',
    'a\\b',
    'line\nbreak',
    '${HOME}',
    '',
  ])('bash reads %j back unchanged and runs nothing', (value) => {
    expect(bashSees(shellQuote(value))).toBe(value);
  });
});

describe('installCommandFor', () => {
  it('is exactly curl -fsSL with the single-quoted URL piped to sudo bash', () => {
    expect(installCommandFor('https://outpost.example.com', 'opj_abc-DEF_123')).toBe(
      "curl -fsSL 'https://outpost.example.com/install/agent.sh?token=opj_abc-DEF_123' | sudo bash",
    );
  });

  it('keeps a hostile public URL inert', () => {
    const command = installCommandFor("http://x/'$(id)'", 'opj_t');
    expect(command).toBe(`curl -fsSL 'http://x/'\\''$(id)'\\''/install/agent.sh?token=opj_t' | sudo bash`);
  });
});
