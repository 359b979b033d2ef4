import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/testing/test-database';
import { ZoneEntity } from '../zones/zone.entity';

const now = () => new Date();
const zone = (name: string) => ({ name, platform: 'linux', labels: {}, createdAt: now(), updatedAt: now() });

// The hazard exists only on SQLite's single shared connection (MariaDB has a pool).
describe('concurrent access to the embedded SQLite database', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
  });
  afterAll(() => db?.drop());

  it('keeps concurrent transactions apart: a rollback loses only its own writes', async () => {
    const ds = db.dataSource;
    const work = Array.from({ length: 40 }, (_, i) =>
      ds
        .transaction(async (manager) => {
          await manager.insert(ZoneEntity, zone(`tx-${i}-a`));
          await sleep(Math.random() * 5);
          await manager.insert(ZoneEntity, zone(`tx-${i}-b`));
          if (i % 4 === 0) throw new Error('roll back on purpose');
        })
        .then(
          () => 'committed',
          (error: Error) =>
            error.message === 'roll back on purpose' ? 'rolled back' : `error: ${error.message}`,
        ),
    );
    // Plain writes and reads of other requests, issued while those transactions are open.
    const plain = Array.from({ length: 40 }, async (_, i) => {
      await sleep(Math.random() * 5);
      await ds.manager.save(ZoneEntity, ds.manager.create(ZoneEntity, zone(`plain-${i}`)));
      return ds.manager.countBy(ZoneEntity, {});
    });
    const outcomes = await Promise.all(work);
    await Promise.all(plain);

    expect(outcomes.filter((o) => o.startsWith('error'))).toEqual([]);
    const names = new Set((await ds.manager.find(ZoneEntity)).map((z) => z.name));
    for (let i = 0; i < 40; i++) {
      expect(names.has(`plain-${i}`), `plain-${i}`).toBe(true);
      const committed = i % 4 !== 0;
      expect(names.has(`tx-${i}-a`), `tx-${i}-a`).toBe(committed);
      expect(names.has(`tx-${i}-b`), `tx-${i}-b`).toBe(committed);
    }
  });

  it('lets a transaction body use nested transactions and the global manager without deadlock', async () => {
    const ds = db.dataSource;
    await ds.transaction(async (manager) => {
      await manager.insert(ZoneEntity, zone('outer'));
      await manager.transaction(async (inner) => inner.insert(ZoneEntity, zone('inner')));
      expect(await ds.manager.countBy(ZoneEntity, { name: 'outer' })).toBe(1);
    });
    expect(await ds.manager.countBy(ZoneEntity, { name: 'inner' })).toBe(1);
  });
});
