import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/common/crypto/secret-box';
import { EventCursorEntity } from '../../src/events/event-cursor.entity';
import { EventEntity } from '../../src/events/event.entity';
import { WebhookDeliveryEntity } from '../../src/webhooks/webhook-delivery.entity';
import { WebhookSubscriptionEntity } from '../../src/webhooks/webhook-subscription.entity';
import { inlineStep } from '../api/agent-work.fixtures';
import { startTestApp, type TestApp } from '../testing/test-app';
import { testDatabaseKinds } from '../testing/test-database';
import { eventually } from './webhook-receiver';

describe.each(testDatabaseKinds())('webhooks API on %s', (kind) => {
  let t: TestApp;
  let operator: string;
  let viewer: string;
  let zoneId: number;
  let otherZoneId: number;

  beforeAll(async () => {
    // Only the fan-out: deliveries are planned but never sent (the URLs lead nowhere).
    t = await startTestApp(kind, {
      OUTPOST_WORKERS: 'webhook-fanout',
      OUTPOST_WEBHOOK_FANOUT_INTERVAL_MS: '50',
    });
    operator = await t.tokenFor('operator');
    viewer = await t.tokenFor('viewer');
    const zone = await t.call('POST', '/api/v1/zones', { token: operator, body: { name: 'hooks' } });
    zoneId = zone.body.id;
    otherZoneId = (await t.call('POST', '/api/v1/zones', { token: operator, body: { name: 'other' } })).body
      .id;
  });
  afterAll(() => t?.close());

  const subscriptions = () => t.dataSource.manager.count(WebhookSubscriptionEntity);
  const create = (body: unknown, token = operator) => t.call('POST', '/api/v1/webhooks', { token, body });

  /** Waits until the fan-out has read every event written so far. */
  async function fannedOut(): Promise<void> {
    const [newest] = await t.dataSource.manager.find(EventEntity, { order: { id: 'DESC' }, take: 1 });
    await eventually('the fan-out to catch up', async () => {
      const cursor = await t.dataSource.manager.findOneBy(EventCursorEntity, { name: 'webhook-fanout' });
      return cursor !== null && cursor.lastEventId >= (newest?.id ?? 0);
    });
  }

  describe('create', () => {
    it('answers 201 with the webhook and its secret, once; the secret is stored sealed', async () => {
      const response = await create({
        url: 'https://hooks.example.test/outpost',
        events: ['TASK_CALLBACK'],
        zoneId,
      });
      expect(response.status).toBe(201);
      expect(response.body.webhook).toMatchObject({
        zoneId,
        url: 'https://hooks.example.test/outpost',
        events: ['TASK_CALLBACK'],
        isActive: true,
      });
      const { secret } = response.body as { secret: string };
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const row = await t.dataSource.manager.findOneByOrFail(WebhookSubscriptionEntity, {
        id: response.body.webhook.id,
      });
      expect(row.secretCiphertext).not.toContain(secret);
      expect(t.app.get(SecretBox).open(row.secretCiphertext)).toBe(secret);
      const read = await t.call('GET', `/api/v1/webhooks/${row.id}`, { token: viewer });
      expect(read.status).toBe(200);
      expect(JSON.stringify(read.body)).not.toContain(secret);
      expect(read.body).not.toHaveProperty('secret');
      const listed = await t.call('GET', '/api/v1/webhooks', { token: viewer });
      expect(JSON.stringify(listed.body)).not.toContain(secret);
    });

    it('defaults to every zone, accepts * and drops repeated types', async () => {
      const response = await create({ url: 'http://127.0.0.1:9/all', events: ['*', 'AGENT_CONNECT', '*'] });
      expect(response.status).toBe(201);
      expect(response.body.webhook).toMatchObject({ zoneId: null, events: ['*', 'AGENT_CONNECT'] });
    });

    it.each([
      ['an ftp URL', { url: 'ftp://example.test/x', events: ['*'] }, 'body.url'],
      ['a javascript URL', { url: 'javascript:alert(1)', events: ['*'] }, 'body.url'],
      ['no URL', { events: ['*'] }, 'body.url'],
      ['a URL that is a number', { url: 42, events: ['*'] }, 'body.url'],
      ['no event types', { url: 'https://example.test/x', events: [] }, 'body.events'],
      [
        'an unknown event type',
        { url: 'https://example.test/x', events: ['TASK_EXPLODED'] },
        'body.events.0',
      ],
      ['events that are not a list', { url: 'https://example.test/x', events: '*' }, 'body.events'],
      ['a malformed zone id', { url: 'https://example.test/x', events: ['*'], zoneId: 'abc' }, 'body.zoneId'],
      ['an unknown field', { url: 'https://example.test/x', events: ['*'], secret: 'mine' }, 'body'],
    ])('refuses %s with 400 and stores nothing', async (_what, body, path) => {
      const before = await subscriptions();
      const response = await create(body);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.details.map((detail: { path: string }) => detail.path)).toContain(path);
      expect(await subscriptions()).toBe(before);
    });

    it('refuses a URL with a user name or password, without echoing it', async () => {
      const before = await subscriptions();
      for (const url of ['https://user:hunter2@example.test/x', 'https://token@example.test/x']) {
        const response = await create({ url, events: ['*'] });
        expect(response.status).toBe(400);
        expect(response.body.details[0].message).toMatch(/user name or password/);
        expect(JSON.stringify(response.body)).not.toContain('hunter2');
      }
      expect(await subscriptions()).toBe(before);
    });

    it('answers 404 for an unknown zone and stores nothing', async () => {
      const before = await subscriptions();
      const response = await create({ url: 'https://example.test/x', events: ['*'], zoneId: 999_999 });
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('ZONE_NOT_FOUND');
      expect(await subscriptions()).toBe(before);
    });

    it('refuses a viewer with 403 and an anonymous caller with 401, storing nothing', async () => {
      const before = await subscriptions();
      expect((await create({ url: 'https://example.test/x', events: ['*'] }, viewer)).status).toBe(403);
      expect(
        (await t.call('POST', '/api/v1/webhooks', { body: { url: 'https://example.test/x', events: ['*'] } }))
          .status,
      ).toBe(401);
      expect(await subscriptions()).toBe(before);
    });
  });

  describe('read, change, delete', () => {
    it('lists newest first, filters by zone, and answers 401 without a token', async () => {
      const first = (await create({ url: 'https://example.test/1', events: ['*'], zoneId: otherZoneId })).body
        .webhook;
      const second = (await create({ url: 'https://example.test/2', events: ['*'], zoneId: otherZoneId }))
        .body.webhook;
      const listed = await t.call('GET', `/api/v1/webhooks?zoneId=${otherZoneId}`, { token: viewer });
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((item: { id: number }) => item.id)).toEqual([second.id, first.id]);
      expect(listed.body.total).toBe(2);
      expect((await t.call('GET', '/api/v1/webhooks')).status).toBe(401);
      expect((await t.call('GET', `/api/v1/webhooks/${first.id}`)).status).toBe(401);
      expect((await t.call('GET', '/api/v1/webhooks?zoneId=abc', { token: viewer })).status).toBe(400);
    });

    it('answers 404 for an unknown webhook and 400 for a malformed id', async () => {
      const unknown = await t.call('GET', '/api/v1/webhooks/999999', { token: viewer });
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('WEBHOOK_NOT_FOUND');
      const bad = await t.call('GET', '/api/v1/webhooks/abc', { token: viewer });
      expect(bad.status).toBe(400);
      expect(bad.body.details[0].path).toBe('params.webhookId');
      for (const method of ['PATCH', 'DELETE']) {
        const response = await t.call(method, '/api/v1/webhooks/999999', {
          token: operator,
          body: { isActive: false },
        });
        expect(response.status, method).toBe(404);
      }
      expect((await t.call('GET', '/api/v1/webhooks/999999/deliveries', { token: viewer })).status).toBe(404);
    });

    it('changes the URL, the events and the active flag; refuses bad changes and viewers', async () => {
      const { id } = (await create({ url: 'https://example.test/old', events: ['*'] })).body.webhook;
      const changed = await t.call('PATCH', `/api/v1/webhooks/${id}`, {
        token: operator,
        body: { url: 'https://example.test/new', events: ['TASK_CREATED'], isActive: false },
      });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({
        url: 'https://example.test/new',
        events: ['TASK_CREATED'],
        isActive: false,
      });
      for (const body of [
        {},
        { url: 'ftp://x.test/' },
        { isActive: 'no' },
        { zoneId: zoneId },
        { url: 'https://a:b@x.test/' },
      ]) {
        const response = await t.call('PATCH', `/api/v1/webhooks/${id}`, { token: operator, body });
        expect(response.status, JSON.stringify(body)).toBe(400);
      }
      const byViewer = await t.call('PATCH', `/api/v1/webhooks/${id}`, {
        token: viewer,
        body: { isActive: true },
      });
      expect(byViewer.status).toBe(403);
      expect((await t.call('PATCH', `/api/v1/webhooks/${id}`, { body: { isActive: true } })).status).toBe(
        401,
      );
      const read = await t.call('GET', `/api/v1/webhooks/${id}`, { token: viewer });
      expect(read.body).toMatchObject({
        url: 'https://example.test/new',
        events: ['TASK_CREATED'],
        isActive: false,
      });
    });

    it('deletes a webhook with its delivery log; viewers cannot', async () => {
      const { id } = (await create({ url: 'http://127.0.0.1:9/gone', events: ['TASK_CREATED'], zoneId })).body
        .webhook;
      await t.call('POST', '/api/v1/tasks', {
        token: operator,
        body: { zoneId, name: 'x', steps: [inlineStep] },
      });
      await fannedOut();
      expect(await t.dataSource.manager.countBy(WebhookDeliveryEntity, { subscriptionId: id })).toBe(1);
      expect((await t.call('DELETE', `/api/v1/webhooks/${id}`, { token: viewer })).status).toBe(403);
      expect((await t.call('DELETE', `/api/v1/webhooks/${id}`)).status).toBe(401);
      const deleted = await t.call('DELETE', `/api/v1/webhooks/${id}`, { token: operator });
      expect(deleted.status).toBe(200);
      expect(deleted.body).toEqual({ deleted: true });
      expect((await t.call('GET', `/api/v1/webhooks/${id}`, { token: viewer })).status).toBe(404);
      expect(await t.dataSource.manager.countBy(WebhookDeliveryEntity, { subscriptionId: id })).toBe(0);
    });
  });

  describe('fan-out and delivery log', () => {
    it("plans deliveries for the zone's and the all-zones webhooks, never another zone's or an inactive one", async () => {
      const own = (await create({ url: 'http://127.0.0.1:9/own', events: ['TASK_CREATED'], zoneId })).body
        .webhook;
      const all = (await create({ url: 'http://127.0.0.1:9/all', events: ['TASK_CREATED'] })).body.webhook;
      const foreign = (
        await create({ url: 'http://127.0.0.1:9/foreign', events: ['*'], zoneId: otherZoneId })
      ).body.webhook;
      const inactive = (await create({ url: 'http://127.0.0.1:9/off', events: ['*'], zoneId })).body.webhook;
      await t.call('PATCH', `/api/v1/webhooks/${inactive.id}`, {
        token: operator,
        body: { isActive: false },
      });
      const task = await t.call('POST', '/api/v1/tasks', {
        token: operator,
        body: { zoneId, name: 'fan', steps: [inlineStep] },
      });
      await fannedOut();
      const [created] = await t.dataSource.manager.find(EventEntity, {
        where: { taskId: task.body.id, type: 'TASK_CREATED' },
      });
      const log = await t.call('GET', `/api/v1/webhooks/${own.id}/deliveries`, { token: viewer });
      expect(log.status).toBe(200);
      expect(log.body.items).toEqual([
        expect.objectContaining({
          kind: 'webhook',
          webhookId: own.id,
          eventId: String(created!.id),
          eventType: 'TASK_CREATED',
          taskId: task.body.id,
          status: 'pending',
          attempts: 0,
          deliveredAt: null,
          lastError: null,
        }),
      ]);
      const allLog = await t.call('GET', `/api/v1/webhooks/${all.id}/deliveries`, { token: viewer });
      expect(allLog.body.items.map((item: { eventId: string }) => item.eventId)).toContain(
        String(created!.id),
      );
      for (const none of [foreign, inactive]) {
        const empty = await t.call('GET', `/api/v1/webhooks/${none.id}/deliveries`, { token: viewer });
        expect(empty.body.total, none.url).toBe(0);
      }
      const filtered = await t.call('GET', `/api/v1/webhooks/${own.id}/deliveries?status=delivered`, {
        token: viewer,
      });
      expect(filtered.body.total).toBe(0);
      expect(
        (await t.call('GET', `/api/v1/webhooks/${own.id}/deliveries?status=lost`, { token: viewer })).status,
      ).toBe(400);
      expect((await t.call('GET', `/api/v1/webhooks/${own.id}/deliveries`)).status).toBe(401);
    });
  });

  describe('task callback URL', () => {
    it('returns a callback secret once in the create answer, stores it sealed, and hides the callback from the webhooks', async () => {
      const before = (await t.call('GET', '/api/v1/webhooks?pageSize=500', { token: viewer })).body.total;
      const created = await t.call('POST', '/api/v1/tasks', {
        token: operator,
        body: { zoneId, name: 'cb', steps: [inlineStep], callbackUrl: 'https://ci.example.test/done' },
      });
      expect(created.status).toBe(201);
      const secret = created.body.callbackSecret as string;
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const read = await t.call('GET', `/api/v1/tasks/${created.body.id}`, { token: viewer });
      expect(read.body.callbackUrl).toBe('https://ci.example.test/done');
      expect(JSON.stringify(read.body)).not.toContain(secret);
      const row = await t.dataSource.manager.findOneByOrFail(WebhookSubscriptionEntity, {
        taskId: created.body.id,
      });
      expect(row).toMatchObject({ zoneId, url: 'https://ci.example.test/done', isActive: true });
      expect(row.secretCiphertext).not.toContain(secret);
      expect(t.app.get(SecretBox).open(row.secretCiphertext)).toBe(secret);
      // Not a webhook: not listed, not readable or changeable through the webhook routes.
      expect((await t.call('GET', '/api/v1/webhooks?pageSize=500', { token: viewer })).body.total).toBe(
        before,
      );
      expect((await t.call('GET', `/api/v1/webhooks/${row.id}`, { token: viewer })).status).toBe(404);
      expect((await t.call('DELETE', `/api/v1/webhooks/${row.id}`, { token: operator })).status).toBe(404);
      const log = await t.call('GET', `/api/v1/tasks/${created.body.id}/callback-deliveries`, {
        token: viewer,
      });
      expect(log.status).toBe(200);
      expect(log.body.total).toBe(0);
    });

    it('has no callback secret for a task without a callback URL, and an empty callback log', async () => {
      const created = await t.call('POST', '/api/v1/tasks', {
        token: operator,
        body: { zoneId, name: 'no-cb', steps: [inlineStep] },
      });
      expect(created.status).toBe(201);
      expect(created.body.callbackSecret ?? null).toBeNull();
      expect(await t.dataSource.manager.countBy(WebhookSubscriptionEntity, { taskId: created.body.id })).toBe(
        0,
      );
      const log = await t.call('GET', `/api/v1/tasks/${created.body.id}/callback-deliveries`, {
        token: viewer,
      });
      expect(log.body).toMatchObject({ items: [], total: 0 });
    });

    it('answers 404 for an unknown task, 400 for a malformed id and 401 without a token', async () => {
      const unknown = await t.call('GET', '/api/v1/tasks/999999/callback-deliveries', { token: viewer });
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('TASK_NOT_FOUND');
      expect((await t.call('GET', '/api/v1/tasks/abc/callback-deliveries', { token: viewer })).status).toBe(
        400,
      );
      expect((await t.call('GET', '/api/v1/tasks/1/callback-deliveries')).status).toBe(401);
    });

    it('refuses a callback URL that is not http(s) and creates no task', async () => {
      const response = await t.call('POST', '/api/v1/tasks', {
        token: operator,
        body: { zoneId, name: 'bad-cb', steps: [inlineStep], callbackUrl: 'file:///etc/passwd' },
      });
      expect(response.status).toBe(400);
      expect(
        await t.dataSource.manager.countBy(WebhookSubscriptionEntity, { url: 'file:///etc/passwd' }),
      ).toBe(0);
    });
  });
});
