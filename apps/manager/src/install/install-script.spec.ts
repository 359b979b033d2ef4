import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REFUSED_INSTALL_MESSAGE, renderInstallScript } from './install-script';

function bashCheck(script: string): void {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'outpost-script-')), 'agent.sh');
  writeFileSync(file, script);
  execFileSync('bash', ['-n', file]);
}

/** Runs only the script's header (up to the values) and prints the three values as bash sees them. */
function valuesAsBashSeesThem(script: string): string[] {
  const header = script.slice(0, script.indexOf('PREFIX='));
  const out = execFileSync(
    'bash',
    ['-c', `${header}\nprintf '%s\\0' "$MANAGER_URL" "$ZONE_ID" "$JOIN_TOKEN"`],
    {
      encoding: 'utf8',
    },
  );
  return out.split('\0').slice(0, 3);
}

describe('renderInstallScript', () => {
  const values = { managerUrl: 'https://outpost.example.com', zoneId: 42, joinToken: 'opj_abc-DEF_123' };

  it('is valid bash with strict mode on', () => {
    const script = renderInstallScript(values);
    bashCheck(script);
    expect(script.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    expect(script).toContain('set -euo pipefail');
  });

  it('embeds the three values single-quoted', () => {
    const script = renderInstallScript(values);
    expect(script).toContain("MANAGER_URL='https://outpost.example.com'\n");
    expect(script).toContain("ZONE_ID='42'\n");
    expect(script).toContain("JOIN_TOKEN='opj_abc-DEF_123'\n");
    expect(valuesAsBashSeesThem(script)).toEqual(['https://outpost.example.com', '42', 'opj_abc-DEF_123']);
  });

  it('keeps hostile values inert (Klevr built its command by string replacement)', () => {
    const hostile = { ...values, managerUrl: "http://x/'; touch /tmp/outpost-pwned; echo '$(id)`id`" };
    const script = renderInstallScript(hostile);
    bashCheck(script);
    expect(valuesAsBashSeesThem(script)[0]).toBe(hostile.managerUrl);
  });

  it('documents uninstalling in its header', () => {
    const script = renderInstallScript(values);
    expect(script).toContain('# Uninstall');
    expect(script).toContain('systemctl disable --now outpost-agent');
  });
});

describe('REFUSED_INSTALL_MESSAGE', () => {
  it('fails with the reason on stderr when piped to bash', () => {
    bashCheck(REFUSED_INSTALL_MESSAGE);
    let failure: { status: number; stderr: string } | undefined;
    try {
      execFileSync('bash', ['-s'], { input: REFUSED_INSTALL_MESSAGE, stdio: 'pipe', encoding: 'utf8' });
    } catch (error) {
      failure = error as { status: number; stderr: string };
    }
    expect(failure?.status).toBe(1);
    expect(failure?.stderr).toMatch(/join token is unknown, expired, revoked or used up/);
  });
});
