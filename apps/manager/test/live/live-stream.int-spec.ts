import net from 'node:net';
import { type EventEnvelope, eventEnvelopeSchema } from '@outpost/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/common/messaging/event-bus';
import { EventEntity } from '../../src/events/event.entity';
import { LiveStreamService } from '../../src/live/live-stream.service';
import { logItem, sleep, WorkWorld } from '../api/agent-work.fixtures';
import { startTestApp, type TestApp } from '../testing/test-app';
import { testDatabaseKinds } from '../testing/test-database';
import { type SseClient, type SseFrame, SseClient as Sse } from './sse-client';

const REPLAY_LIMIT = 5;
const MAX_BUFFER_BYTES = 65_536;

describe.each(testDatabaseKinds())('live stream (in-process bus) on %s', (kind) => {
  let t: TestApp;
  let world: WorkWorld;
  let viewer: string;
  const open: SseClient[] = [];

  beforeAll(async () => {
    t = await startTestApp(kind, {
      OUTPOST_STREAM_HEARTBEAT_MS: '200',
      OUTPOST_STREAM_REPLAY_LIMIT: String(REPLAY_LIMIT),
      OUTPOST_STREAM_MAX_BUFFER_BYTES: String(MAX_BUFFER_BYTES),
      OUTPOST_EVENTS_PUBLISH_INTERVAL_MS: '20',
      OUTPOST_AGENT_POLL_WAIT_MS: '1000',
      OUTPOST_AGENT_LEASE_TTL_MS: '20000',
      OUTPOST_WORKERS: 'event-publisher',
    });
    world = new WorkWorld(t, await t.tokenFor('operator'));
    viewer = await t.tokenFor('viewer');
  });
  afterAll(async () => {
    // A stream still open must not hold the shutdown: the manager ends it.
    const lingering = t ? await stream() : null;
    await t?.close();
    if (lingering) await lingering.waitForEnd(2_000);
    for (const client of open) client.close();
  });

  async function stream(query = '', options: { token?: string; headers?: Record<string, string> } = {}) {
    const client = await Sse.open(`${t.baseUrl}/api/v1/stream${query}`, { token: viewer, ...options });
    open.push(client);
    return client;
  }

  const envelopeOf = (frame: SseFrame): EventEnvelope =>
    eventEnvelopeSchema.parse(JSON.parse(frame.data ?? ''));
  const isCreatedEventOf = (taskId: number) => (frame: SseFrame) =>
    frame.event === 'TASK_CREATED' && JSON.parse(frame.data ?? '{}').data?.taskId === taskId;

  async function lastEventId(): Promise<number> {
    const [latest] = await t.dataSource.manager.find(EventEntity, { order: { id: 'DESC' }, take: 1 });
    return latest?.id ?? 0;
  }

  async function eventIdsAfter(id: number): Promise<string[]> {
    const rows = await t.dataSource.manager.find(EventEntity, { order: { id: 'ASC' } });
    return rows.filter((row) => row.id > id).map((row) => String(row.id));
  }

  it('streams each new event as id, event type and envelope, and marks it published', async () => {
    const client = await stream();
    expect(client.status).toBe(200);
    expect(client.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(client.headers.get('cache-control')).toContain('no-cache');
    const zoneId = await world.newZone();
    const task = await world.createTask({ zoneId });
    const frame = await client.waitFor(isCreatedEventOf(task.id));
    const envelope = envelopeOf(frame);
    expect(frame.id).toBe(envelope.id);
    expect(envelope).toMatchObject({ type: 'TASK_CREATED', zoneId, schemaVersion: 1 });
    // The in-process bus hands the event to viewers first, then the publisher marks it.
    let row = await t.dataSource.manager.findOneByOrFail(EventEntity, { id: Number(envelope.id) });
    for (let tries = 0; tries < 100 && row.publishedAt === null; tries += 1) {
      await sleep(10);
      row = await t.dataSource.manager.findOneByOrFail(EventEntity, { id: Number(envelope.id) });
    }
    expect(row.type).toBe('TASK_CREATED');
    expect(row.publishedAt).not.toBeNull();
  });

  it('accepts the token in access_token (EventSource sends no headers) and refuses a bad or missing one', async () => {
    const zoneId = await world.newZone();
    const viaQuery = await stream(`?access_token=${encodeURIComponent(viewer)}`, { token: '' });
    expect(viaQuery.status).toBe(200);
    const task = await world.createTask({ zoneId });
    await viaQuery.waitFor(isCreatedEventOf(task.id));

    const garbage = await stream('?access_token=garbage', { token: '' });
    expect(garbage.status).toBe(401);
    expect(garbage.problem.code).toBe('UNAUTHENTICATED');
    const none = await stream('', { token: '' });
    expect(none.status).toBe(401);
    expect(none.problem.code).toBe('UNAUTHENTICATED');
  });

  it('refuses bad input with 400 and unknown zones or tasks with 404, opening no stream', async () => {
    const service = t.app.get(LiveStreamService);
    const before = service.openStreams;
    const cases: [string, Record<string, string>, number, string][] = [
      ['?zoneId=abc', {}, 400, 'VALIDATION_FAILED'],
      ['?taskId=-1', {}, 400, 'VALIDATION_FAILED'],
      ['?lastEventId=soon', {}, 400, 'VALIDATION_FAILED'],
      ['', { 'last-event-id': 'abc' }, 400, 'VALIDATION_FAILED'],
      ['?zoneId=987654', {}, 404, 'ZONE_NOT_FOUND'],
      ['?taskId=987654', {}, 404, 'TASK_NOT_FOUND'],
    ];
    for (const [query, headers, status, code] of cases) {
      const client = await stream(query, { headers });
      expect({ query, headers, status: client.status, code: client.problem?.code }).toEqual({
        query,
        headers,
        status,
        code,
      });
    }
    expect(service.openStreams).toBe(before);
  });

  it("shows a zone's stream only that zone's events", async () => {
    const mine = await world.newZone();
    const other = await world.newZone();
    const client = await stream(`?zoneId=${mine}`);
    const foreign = await world.createTask({ zoneId: other });
    const own = await world.createTask({ zoneId: mine });
    await client.waitFor(isCreatedEventOf(own.id));
    // Published in id order: had the other zone's event passed the filter, it would be here already.
    const zones = client.events().map((frame) => envelopeOf(frame).zoneId);
    expect(zones.length).toBeGreaterThan(0);
    expect(new Set(zones)).toEqual(new Set([mine]));
    expect(client.frames.some(isCreatedEventOf(foreign.id))).toBe(false);
  });

  it('replays what a resuming client missed (Last-Event-ID header or lastEventId), then goes on live', async () => {
    const zoneId = await world.newZone();
    await world.createTask({ zoneId });
    const seen = await lastEventId();
    await world.createTask({ zoneId });
    await world.createTask({ zoneId });
    const missed = await eventIdsAfter(seen);
    expect(missed.length).toBeGreaterThanOrEqual(2);

    for (const resume of [
      { headers: { 'last-event-id': String(seen) } },
      { query: `?lastEventId=${seen}` },
    ]) {
      const client = await stream(resume.query ?? '', { headers: resume.headers ?? {} });
      await client.waitFor((frame) => frame.id === missed.at(-1));
      const live = await world.createTask({ zoneId });
      await client.waitFor(isCreatedEventOf(live.id));
      const ids = client.events().map((frame) => frame.id);
      expect(ids.slice(0, missed.length)).toEqual(missed);
      expect(new Set(ids).size).toBe(ids.length);
      missed.push(...(await eventIdsAfter(Number(missed.at(-1)))));
    }
  });

  it('cuts a replay longer than the limit to the newest events, announced by a reset event', async () => {
    const zoneId = await world.newZone();
    const seen = await lastEventId();
    for (let index = 0; index < REPLAY_LIMIT + 2; index += 1) await world.createTask({ zoneId });
    const missed = await eventIdsAfter(seen);
    const client = await stream('', { headers: { 'last-event-id': String(seen) } });
    await client.waitFor((frame) => frame.id === missed.at(-1));
    const events = client.events();
    expect(events[0]?.event).toBe('reset');
    expect(JSON.parse(events[0]?.data ?? '{}')).toEqual({ reason: 'replay-limit' });
    expect(events.slice(1).map((frame) => frame.id)).toEqual(missed.slice(-REPLAY_LIMIT));
  });

  it("streams a task's stored log chunks to the viewers of that task only, once each", async () => {
    const zone = await world.zoneWith(0);
    const task = await world.createTask({ zoneId: zone.zoneId });
    const polled = await world.poll(zone);
    const runId = polled.body.assignments[0].runId as number;
    const following = await stream(`?taskId=${task.id}`);
    const everything = await stream();

    const first = await world.report(zone.primary, [logItem(runId, 1, 'hello from the run')]);
    expect(first.body.outcomes[0].outcome).toBe('accepted');
    const frame = await following.waitFor((candidate) => candidate.event === 'task.log');
    expect(frame.id).toBeUndefined();
    expect(JSON.parse(frame.data ?? '{}')).toMatchObject({
      taskId: task.id,
      runId,
      zoneId: zone.zoneId,
      seq: 1,
      stepSeq: 1,
      stream: 'stdout',
      content: 'hello from the run',
    });
    const again = await world.report(zone.primary, [logItem(runId, 1, 'hello from the run')]);
    expect(again.body.outcomes[0].outcome).toBe('duplicate');

    // A later event proves both streams are past the chunk.
    const later = await world.createTask({ zoneId: zone.zoneId });
    await everything.waitFor(isCreatedEventOf(later.id));
    const other = await world.createTask({ zoneId: zone.zoneId });
    await sleep(200);
    expect(everything.events('task.log')).toEqual([]);
    expect(following.events('task.log')).toHaveLength(1);
    // The task's stream carries only that task's events.
    expect(following.frames.some(isCreatedEventOf(other.id))).toBe(false);
  });

  it('sends a heartbeat comment when nothing happens', async () => {
    const client = await stream('?zoneId=' + (await world.newZone()));
    const frame = await client.waitFor((candidate) => candidate.comments.includes('ping'), 3_000);
    expect(frame.event).toBeUndefined();
  });

  it('drops a client that reads nothing instead of buffering for it without bound', async () => {
    const service = t.app.get(LiveStreamService);
    const bus = t.app.get(EventBus);
    for (const client of open.splice(0)) client.close();
    for (let tries = 0; tries < 200 && service.openStreams > 0; tries += 1) await sleep(10);
    const before = service.openStreams;
    expect(before).toBe(0);
    const { port } = new URL(t.baseUrl);
    const socket = net.connect(Number(port), '127.0.0.1');
    let closed = false;
    socket.on('close', () => {
      closed = true;
    });
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    // Never read: the socket stays paused, so the kernel buffers fill and the server's grows.
    socket.write(
      `GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nAuthorization: Bearer ${viewer}\r\n\r\n`,
    );
    for (let tries = 0; tries < 200 && service.openStreams === before; tries += 1) await sleep(10);
    expect(service.openStreams).toBe(before + 1);

    const big = 'x'.repeat(32_768);
    let sent = 0;
    while (service.openStreams > before && sent < 4_000) {
      const events = Array.from({ length: 20 }, (_, index) => {
        const id = 1_000_000 + sent + index;
        const envelope = {
          id: String(id),
          type: 'TASK_CREATED',
          schemaVersion: 1,
          occurredAt: new Date().toISOString(),
          zoneId: 1,
          data: { filler: big },
        } as unknown as EventEnvelope;
        return { id, envelope, taskId: null, agentId: null };
      });
      await bus.publishEvents(events);
      sent += events.length;
      await sleep(1);
    }
    // Dropped well before everything was sent (about 130 MB): its buffer was bounded.
    expect(service.openStreams).toBe(before);
    expect(sent).toBeLessThan(4_000);
    // The client learns it once it reads what was already in flight: the server hung up.
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    for (let tries = 0; tries < 500 && !closed; tries += 1) await sleep(10);
    expect(closed).toBe(true);
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(sent * big.length);
  });
});
