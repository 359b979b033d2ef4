import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  Agent,
  launchChromium,
  Manager,
  missingForE2e,
  ROOT,
  SCREENSHOTS,
  sleep,
  snapshot,
  waitFor,
} from './harness';

/**
 * The console as an operator meets it: the BUILT manager serving the BUILT console, driven in real
 * Chromium. Each step saves a screenshot to artifacts/screenshots/.
 */
const missing = missingForE2e();
const ADMIN = { username: 'admin', password: 'correct horse battery' };
const VIEWER = { username: 'watcher', password: 'just looking 123' };

describe.runIf(missing === null)('console in Chromium', () => {
  let manager: Manager;
  let browser: Browser;
  let page: Page;
  let adminToken = '';
  let zoneId = 0;
  const agents: Agent[] = [];
  const pageErrors: string[] = [];

  const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name });
  const go = (urlPath: string) => page.goto(`${manager.url}${urlPath}`);

  beforeAll(async () => {
    manager = await Manager.start();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail')
      await snapshot(page, `failed-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`);
  });

  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.close()));
    await browser?.close();
    await manager?.close();
  });

  it('sends a first visitor to activation, then signs the new admin in', async () => {
    await go('/zones');
    await page.waitForURL('**/activate');
    await heading('Set up the admin account').waitFor();
    await snapshot(page, 'activate');

    await page.getByLabel(/^Admin username/).fill(ADMIN.username);
    await page.getByLabel(/^Password/).fill('short');
    await page.getByLabel(/^Repeat the password/).fill('short');
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    await page.getByText('Use at least 10 characters').waitFor();

    await page.getByLabel(/^Password/).fill(ADMIN.password);
    await page.getByLabel(/^Repeat the password/).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    await page.waitForURL('**/zones');
    await heading('Zones').waitFor();
    await page.getByText('No zones yet').waitFor();
    adminToken = await manager.login(ADMIN.username, ADMIN.password);
  });

  it('refuses a wrong password in words, and returns to the page asked for after signing in', async () => {
    await page.getByRole('button', { name: /Signed in as admin/ }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.waitForURL('**/login');

    await go('/settings');
    await page.waitForURL(/\/login\?next=%2Fsettings/);
    await page.getByLabel(/^Username/).fill(ADMIN.username);
    await page.getByLabel(/^Password/).fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Wrong username or password').waitFor();
    await snapshot(page, 'login-refused');

    await page.getByLabel(/^Password/).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/settings');
    await heading('Settings').waitFor();
  });

  it('sends an expired session to the sign-in page and back', async () => {
    await page.evaluate(() => window.sessionStorage.setItem('outpost.accessToken', 'no-longer-valid'));
    await go('/users');
    await page.waitForURL(/\/login\?next=%2Fusers&reason=expired/);
    await page.getByText('Your session ended').waitFor();
    await page.getByLabel(/^Username/).fill(ADMIN.username);
    await page.getByLabel(/^Password/).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/users');
    await heading('Users').waitFor();
  });

  it('creates a zone with field errors next to the field, then shows its overview', async () => {
    await go('/zones');
    await page.getByRole('button', { name: 'Create zone' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create a zone' });
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    await dialog.getByText('name must not be empty').waitFor();
    await snapshot(page, 'zone-create-field-error');

    await dialog.getByLabel(/^Name/).fill('lab');
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    await page.waitForURL(/\/zones\/\d+$/);
    zoneId = Number(/\/zones\/(\d+)$/.exec(page.url())?.[1]);
    await heading('Zone lab').waitFor();
    await expect(page.getByTestId('figure-online').textContent()).resolves.toContain('0');
    await page.getByText('No primary').waitFor();
    await snapshot(page, 'overview-empty');
  });

  it('says what goes with a zone before deleting it', async () => {
    await go('/zones');
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete zone lab?' });
    await dialog.getByTestId('zone-contents').waitFor();
    const contents = await dialog.getByTestId('zone-contents').innerText();
    expect(contents).toContain('0 agents');
    expect(contents).toContain('0 API keys');
    await snapshot(page, 'zone-delete-confirm');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('manages users, and refuses to demote the last admin in words', async () => {
    await go('/users');
    await page.getByRole('button', { name: 'Create user' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create a user' });
    await dialog.getByLabel(/^Username/).fill('oper.one');
    await dialog.getByLabel(/^Password/).fill('short');
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    await dialog.getByText('password must be at least 10 characters').waitFor();
    await dialog.getByLabel(/^Password/).fill('operator password 1');
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('cell', { name: 'oper.one' }).waitFor();

    await page.getByRole('combobox', { name: 'Role of admin' }).click();
    await page.getByRole('option', { name: 'viewer' }).click();
    await page.getByText('The last admin must stay').waitFor();
    await sleep(500);
    await snapshot(page, 'users');
  });

  it('creates a personal API token, shown once, and revokes it', async () => {
    await go('/settings');
    await page.getByRole('button', { name: 'Create token' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create a personal API token' });
    await dialog.getByLabel(/^Name/).fill('backup script');
    await dialog.getByRole('button', { name: 'Create token' }).click();
    const secret = await dialog.getByTestId('copy-command').innerText();
    expect(secret.length).toBeGreaterThan(20);
    const asToken = await manager.api('GET', '/api/v1/auth/me', secret.trim());
    expect(asToken.status).toBe(200);
    await snapshot(page, 'settings-token-shown');
    await dialog.getByRole('button', { name: 'Done' }).click();

    await page.getByRole('button', { name: 'Revoke' }).click();
    await page
      .getByRole('dialog', { name: /Revoke backup script/ })
      .getByRole('button', { name: 'Revoke token' })
      .click();
    await page.getByText('Revoked').waitFor();
    expect((await manager.api('GET', '/api/v1/auth/me', secret.trim())).status).toBe(401);
    await snapshot(page, 'settings');
  });

  it('installs a real agent from the install dialog and shows it online, live', async () => {
    await go(`/zones/${zoneId}/agents`);
    await heading('Agents').waitFor();
    await page.getByRole('button', { name: 'Install agent' }).click();
    await page.getByRole('button', { name: 'Create install command' }).click();
    const command = await page.getByTestId('copy-command').innerText();
    const token = decodeURIComponent(/[?&]token=([^'&\s]+)/.exec(command)?.[1] ?? '');
    expect(command).toContain('curl');
    expect(token).not.toBe('');
    await snapshot(page, 'agents-install');
    await page.getByRole('button', { name: 'Done' }).click();

    agents.push(await Agent.start(manager, zoneId, token));
    // No reload: the live stream brings the agent in.
    await page.getByRole('cell', { name: 'online' }).first().waitFor({ timeout: 30_000 });
    await snapshot(page, 'agents-online');

    await go(`/zones/${zoneId}`);
    await waitFor('the overview to count the online agent', async () =>
      (await page.getByTestId('figure-online').innerText()).startsWith('1'),
    );
    await page.getByTestId('primary-hostname').waitFor({ timeout: 30_000 });
    await snapshot(page, 'overview-first-agent');
  });

  it('creates a multi-step task in the form, follows its log live, and cancels it', async () => {
    await go(`/zones/${zoneId}/tasks/new`);
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    await page.getByLabel(/^Name/).first().fill('count slowly');
    await page
      .getByRole('group', { name: 'Step 1' })
      .getByRole('textbox', { name: /^Script/ })
      .fill('echo first step says hello');
    await page.getByRole('button', { name: 'Add step' }).click();
    await page
      .getByRole('group', { name: 'Step 2' })
      .getByRole('textbox', { name: /^Script/ })
      .fill('for i in $(seq 1 120); do echo tick $i; sleep 1; done');
    await snapshot(page, 'task-new');
    await page.getByRole('button', { name: 'Create task' }).click();
    await page.waitForURL(/\/tasks\/\d+$/);

    // The log arrives over the live stream while the task runs; nobody reloads.
    await page.getByText('first step says hello').first().waitFor({ timeout: 30_000 });
    await page.getByText('tick 3').first().waitFor({ timeout: 30_000 });
    await snapshot(page, 'task-running');

    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel task' }).click();
    await page
      .getByText(/stopped|canceled/i)
      .first()
      .waitFor({ timeout: 30_000 });
    await sleep(500);
    await snapshot(page, 'task-canceled');
  });

  it('updates the overview live: a failing task shows up without a reload', async () => {
    await go(`/zones/${zoneId}`);
    await heading('Zone lab').waitFor();
    await waitFor('the canceled task to be counted', async () =>
      (await page.getByTestId('figure-canceled').innerText()).startsWith('1'),
    );
    const created = await manager.api('POST', '/api/v1/tasks', adminToken, {
      zoneId,
      name: 'doomed',
      steps: [{ seq: 1, commandName: 'fail', commandType: 'inline', command: 'echo about to fail; exit 3' }],
    });
    expect(created.status).toBe(201);
    await page.getByRole('link', { name: 'doomed' }).waitFor({ timeout: 30_000 });
    await waitFor('the failed task to be counted', async () =>
      (await page.getByTestId('figure-failed').innerText()).startsWith('1'),
    );
    await snapshot(page, 'overview');
  });

  it('refuses to delete a zone with an online agent, in words', async () => {
    await go('/zones');
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete zone lab?' });
    await dialog.getByText('1 agent (1 online)').waitFor();
    await dialog.getByRole('button', { name: 'Delete zone' }).click();
    await dialog.getByText('The zone is still in use').waitFor();
    await snapshot(page, 'zone-delete-refused');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('shows a viewer no buttons that would change anything', async () => {
    const viewer = await manager.api('POST', '/api/v1/users', adminToken, { ...VIEWER, role: 'viewer' });
    expect(viewer.status).toBe(201);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const viewerPage = await context.newPage();
    try {
      await viewerPage.goto(`${manager.url}/login`);
      await viewerPage.getByLabel(/^Username/).fill(VIEWER.username);
      await viewerPage.getByLabel(/^Password/).fill(VIEWER.password);
      await viewerPage.getByRole('button', { name: 'Sign in' }).click();
      await viewerPage.waitForURL('**/zones');
      await viewerPage.getByRole('link', { name: 'lab' }).waitFor();
      expect(await viewerPage.getByRole('button', { name: /Create/ }).count()).toBe(0);
      expect(await viewerPage.getByRole('button', { name: /Delete|Edit/ }).count()).toBe(0);
      expect(await viewerPage.getByRole('link', { name: 'Users' }).count()).toBe(0);
      await snapshot(viewerPage, 'viewer-zones');

      await viewerPage.goto(`${manager.url}/users`);
      await viewerPage.getByText('Only admins manage users').waitFor();
      expect(await viewerPage.getByRole('button', { name: /Create|Delete|Disable/ }).count()).toBe(0);

      await viewerPage.goto(`${manager.url}/zones/${zoneId}/agents`);
      await viewerPage.getByRole('heading', { level: 1, name: 'Agents' }).waitFor();
      expect(await viewerPage.getByRole('button', { name: 'Install agent' }).count()).toBe(0);
    } catch (error) {
      await snapshot(viewerPage, 'failed-viewer');
      throw error;
    } finally {
      await context.close();
    }
  });

  it('collapses the navigation behind a burger on a phone', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await go(`/zones/${zoneId}`);
    await heading('Zone lab').waitFor();
    await page.getByRole('button', { name: 'Toggle navigation' }).click();
    await page.getByRole('link', { name: 'Tasks', exact: true }).click();
    await page.waitForURL(`**/zones/${zoneId}/tasks`);
    await snapshot(page, 'phone-tasks');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('rendered every page without an uncaught error', () => {
    expect(pageErrors).toEqual([]);
    // A few pages for the README.
    const docs = path.join(ROOT, 'docs/screenshots');
    mkdirSync(docs, { recursive: true });
    for (const name of ['overview', 'agents-online', 'task-running', 'zone-delete-confirm']) {
      const source = path.join(SCREENSHOTS, `${name}.png`);
      if (existsSync(source)) copyFileSync(source, path.join(docs, `console-${name}.png`));
    }
  });
});

if (missing !== null) {
  describe('console in Chromium', () => {
    it.skip(missing, () => undefined);
  });
}
