import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { WorkerLockEntity } from './worker-lock.entity';

/** The lock row as it is after an attempt, whoever holds it. */
export interface LockState {
  /** True when the caller holds the lock now (it took it, or renewed its own). */
  held: boolean;
  holder: string;
  epoch: number;
  expiresAt: Date;
}

/** The lock operations a worker loop needs (a port, so the loop is testable without a database). */
export interface LockPort {
  /** Takes the lock if it is free or expired, or renews it if the caller holds it. */
  acquire(name: string, holder: string, now: Date, ttlMs: number): Promise<LockState>;
  /** Lets the lock expire now if the caller holds it, so another process takes over at once. */
  release(name: string, holder: string, now: Date): Promise<void>;
}

/** Never a real expiry: a row inserted by `ensure` is free until someone takes it. */
const VACANT_SINCE = new Date(0);

/**
 * `worker_locks`: one row per worker (name, holder, fencing epoch, expiry). Taking and renewing are
 * the same single guarded UPDATE, so across any number of managers at most one holds a live lock.
 */
@Injectable()
export class WorkerLockRepository implements LockPort {
  constructor(private readonly dataSource: DataSource) {}

  async acquire(name: string, holder: string, now: Date, ttlMs: number): Promise<LockState> {
    const expiresAt = new Date(now.getTime() + ttlMs);
    let taken = await this.tryTake(name, holder, now, expiresAt);
    let row = await this.find(name);
    if (!row) {
      await this.ensure(name, now);
      taken = await this.tryTake(name, holder, now, expiresAt);
      row = await this.find(name);
    }
    if (!row) throw new Error(`worker lock ${name} vanished`);
    return {
      held: taken && row.holder === holder,
      holder: row.holder,
      epoch: row.epoch,
      expiresAt: row.expiresAt,
    };
  }

  async release(name: string, holder: string, now: Date): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .update(WorkerLockEntity)
      .set({ expiresAt: now })
      .where('name = :name', { name })
      .andWhere('holder = :holder', { holder })
      .andWhere('expires_at > :now', { now })
      .execute();
  }

  find(name: string): Promise<WorkerLockEntity | null> {
    return this.dataSource.manager.findOneBy(WorkerLockEntity, { name });
  }

  /** Insert-if-missing: a vacant row (epoch 0, long expired); a concurrent insert wins quietly. */
  private async ensure(name: string, now: Date): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(WorkerLockEntity)
      .values({ name, holder: '', epoch: 0, expiresAt: VACANT_SINCE, acquiredAt: now })
      .orIgnore()
      .execute();
  }

  /**
   * The one guarded UPDATE: matches while the lock is expired or already ours. The epoch (fencing
   * token) and acquired_at change only when the holder changes — a renewal, or our own lock taken
   * back after it lapsed with nobody in between, keeps them, because no other process wrote under
   * a newer epoch meanwhile. The holder is assigned LAST: MySQL/MariaDB evaluate SET assignments
   * left to right (a later one sees an earlier one's new value), SQLite from the old row; with
   * holder last, both CASEs read the previous holder on every database.
   */
  private async tryTake(name: string, holder: string, now: Date, expiresAt: Date): Promise<boolean> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(WorkerLockEntity)
      .set({
        epoch: () => 'CASE WHEN holder = :holder THEN epoch ELSE epoch + 1 END',
        acquiredAt: () => 'CASE WHEN holder = :holder THEN acquired_at ELSE :now END',
        expiresAt,
        holder,
      })
      .where('name = :name', { name })
      .andWhere('(expires_at < :now OR holder = :holder)')
      .setParameters({ holder, now, name })
      .execute();
    return (result.affected ?? 0) === 1;
  }
}
