import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from '../../src/workers/worker';
import { WorkerHost } from '../../src/workers/worker-host';
import { WorkerLockEntity } from '../../src/workers/worker-lock.entity';
import { WorkerLockRepository } from '../../src/workers/worker-lock.repository';
import { WorkerRegistry } from '../../src/workers/worker-registry';
import { startTestApp, type TestApp } from '../testing/test-app';
import { createTestDatabase, type TestDatabase, testDatabaseKinds } from '../testing/test-database';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(testDatabaseKinds())('worker locks on %s', (kind) => {
  let t: TestApp;
  let locks: WorkerLockRepository;
  const name = () => `lock-${randomBytes(4).toString('hex')}`;
  const row = (lockName: string) =>
    t.dataSource.manager.findOneByOrFail(WorkerLockEntity, { name: lockName });

  beforeAll(async () => {
    t = await startTestApp(kind);
    locks = t.app.get(WorkerLockRepository);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('runs no worker in a test app unless the test asks for some', () => {
    expect(t.config.workers.enabled).toEqual([]);
    expect(t.app.get(WorkerHost).running()).toEqual([]);
  });

  it('creates the row on first use and gives the first taker epoch 1', async () => {
    const lock = name();
    const now = new Date();
    const state = await locks.acquire(lock, 'a', now, 10_000);
    expect(state).toEqual({ held: true, holder: 'a', epoch: 1, expiresAt: new Date(now.getTime() + 10_000) });
    expect((await row(lock)).acquiredAt.getTime()).toBe(now.getTime());
  });

  it('renews its own lock without a new epoch or acquisition time, and refuses a live lock to others', async () => {
    const lock = name();
    const start = new Date(Date.now() - 5_000);
    await locks.acquire(lock, 'a', start, 10_000);
    const later = new Date(start.getTime() + 3_000);
    expect(await locks.acquire(lock, 'a', later, 10_000)).toMatchObject({ held: true, epoch: 1 });
    expect(await row(lock)).toMatchObject({
      epoch: 1,
      acquiredAt: start,
      expiresAt: new Date(later.getTime() + 10_000),
    });
    const refused = await locks.acquire(lock, 'b', new Date(later.getTime() + 1_000), 10_000);
    expect(refused).toEqual({
      held: false,
      holder: 'a',
      epoch: 1,
      expiresAt: new Date(later.getTime() + 10_000),
    });
  });

  it('gives an expired lock to another holder with the next epoch; the old holder is refused', async () => {
    const lock = name();
    const start = new Date(Date.now() - 60_000);
    await locks.acquire(lock, 'a', start, 10_000);
    const afterExpiry = new Date(start.getTime() + 10_001);
    expect(await locks.acquire(lock, 'b', afterExpiry, 10_000)).toMatchObject({
      held: true,
      holder: 'b',
      epoch: 2,
    });
    expect((await row(lock)).acquiredAt.getTime()).toBe(afterExpiry.getTime());
    expect(await locks.acquire(lock, 'a', new Date(afterExpiry.getTime() + 1), 10_000)).toMatchObject({
      held: false,
      holder: 'b',
      epoch: 2,
    });
  });

  it('keeps the epoch when a holder takes back its own lapsed lock that nobody took meanwhile', async () => {
    const lock = name();
    const start = new Date(Date.now() - 60_000);
    await locks.acquire(lock, 'a', start, 10_000);
    expect(await locks.acquire(lock, 'a', new Date(start.getTime() + 30_000), 10_000)).toMatchObject({
      held: true,
      epoch: 1,
    });
  });

  it('lets another holder in at once after a release, and ignores a release by a non-holder', async () => {
    const lock = name();
    const now = new Date();
    await locks.acquire(lock, 'a', now, 60_000);
    await locks.release(lock, 'b', new Date(now.getTime() + 1));
    expect(await locks.acquire(lock, 'b', new Date(now.getTime() + 2), 60_000)).toMatchObject({
      held: false,
    });
    await locks.release(lock, 'a', new Date(now.getTime() + 3));
    expect(await locks.acquire(lock, 'b', new Date(now.getTime() + 4), 60_000)).toMatchObject({
      held: true,
      epoch: 2,
    });
  });

  it('grants a free lock to exactly one of many concurrent takers', async () => {
    const lock = name();
    const now = new Date();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, index) => locks.acquire(lock, `h${index}`, now, 10_000)),
    );
    expect(results.filter((result) => result.held)).toHaveLength(1);
    expect((await row(lock)).epoch).toBe(1);
  });
});

/**
 * Two managers on one MariaDB database (the multi-manager deployment; SQLite is single-manager):
 * every worker runs in exactly one of them, the other waits without spinning, and takes over
 * within one lock TTL when the holder stops.
 */
describe.runIf(testDatabaseKinds().includes('mariadb'))('worker host with two managers on mariadb', () => {
  const TTL_MS = 2_000;
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let aClosed = false;
  const passes = new Map<TestApp, Map<string, number>>();

  /** Counts the passes of every registered worker of the app (from now on). */
  function countPasses(app: TestApp): void {
    const counts = new Map<string, number>();
    passes.set(app, counts);
    for (const worker of app.app.get(WorkerRegistry).all()) {
      const original = worker.runOnce.bind(worker) as Worker['runOnce'];
      (worker as { runOnce: Worker['runOnce'] }).runOnce = (context) => {
        counts.set(worker.name, (counts.get(worker.name) ?? 0) + 1);
        return original(context);
      };
    }
  }

  beforeAll(async () => {
    database = await createTestDatabase('mariadb');
    await database.dataSource.destroy();
    const env = {
      OUTPOST_JWT_SECRET: randomBytes(36).toString('base64'),
      OUTPOST_WORKERS: 'all',
      OUTPOST_WORKER_LOCK_TTL_MS: String(TTL_MS),
    };
    a = await startTestApp('mariadb', env, { databaseTarget: database.target });
    b = await startTestApp('mariadb', env, { databaseTarget: database.target });
  });
  afterAll(async () => {
    if (!aClosed) await a?.close();
    await b?.close();
    await database?.drop();
  });

  it('runs each worker in exactly one manager; the other checks the lock a bounded number of times', async () => {
    const names = a.app
      .get(WorkerRegistry)
      .all()
      .map((worker) => worker.name);
    expect(names).toEqual(
      expect.arrayContaining(['agent-liveness', 'task-scheduler', 'run-reaper', 'retention']),
    );
    expect(a.app.get(WorkerHost).running().sort()).toEqual([...names].sort());
    const holderA = a.app.get(WorkerHost).holder;
    const holderB = b.app.get(WorkerHost).holder;
    expect(holderA).not.toBe(holderB);
    // Every lock row taken (A booted first, so A holds them all).
    for (let tries = 0; tries < 100; tries += 1) {
      const rows = await a.dataSource.manager.find(WorkerLockEntity);
      if (names.every((lock) => rows.some((found) => found.name === lock && found.holder === holderA))) break;
      await sleep(50);
    }
    const rows = await a.dataSource.manager.find(WorkerLockEntity);
    for (const lock of names) {
      const found = rows.find((candidate) => candidate.name === lock);
      expect(found, lock).toMatchObject({ holder: holderA, epoch: 1 });
      expect(found?.expiresAt.getTime()).toBeGreaterThan(Date.now());
    }

    const calls = new Map<string, number>();
    const repository = b.app.get(WorkerLockRepository);
    const acquire = repository.acquire.bind(repository);
    repository.acquire = (lock, holder, now, ttl) => {
      calls.set(lock, (calls.get(lock) ?? 0) + 1);
      return acquire(lock, holder, now, ttl);
    };
    countPasses(a);
    countPasses(b);
    await sleep(3_000);
    // Not holding: it looks again at the lock's expiry or after TTL/2 (1 s), with jitter — a
    // spinning follower would have asked thousands of times.
    for (const lock of names) expect(calls.get(lock) ?? 0, lock).toBeLessThanOrEqual(5);
    expect([...(passes.get(b)?.values() ?? [])].reduce((sum, count) => sum + count, 0)).toBe(0);
    // The scheduler's interval is 1 s: the holder ran it.
    expect(passes.get(a)?.get('task-scheduler') ?? 0).toBeGreaterThanOrEqual(2);
  });

  it('hands every worker to the other manager within one TTL when the holder stops', async () => {
    const names = b.app
      .get(WorkerRegistry)
      .all()
      .map((worker) => worker.name);
    const holderB = b.app.get(WorkerHost).holder;
    const stoppedAt = Date.now();
    await a.close();
    aClosed = true;
    let rows: WorkerLockEntity[] = [];
    while (Date.now() - stoppedAt < TTL_MS * 3) {
      rows = await b.dataSource.manager.find(WorkerLockEntity);
      if (names.every((lock) => rows.some((found) => found.name === lock && found.holder === holderB))) break;
      await sleep(50);
    }
    const tookMs = Date.now() - stoppedAt;
    for (const lock of names) {
      expect(
        rows.find((found) => found.name === lock),
        lock,
      ).toMatchObject({ holder: holderB, epoch: 2 });
    }
    expect(tookMs).toBeLessThan(TTL_MS);
    const before = passes.get(b)?.get('task-scheduler') ?? 0;
    await sleep(1_500);
    expect(passes.get(b)?.get('task-scheduler') ?? 0).toBeGreaterThan(before);
  });
});
