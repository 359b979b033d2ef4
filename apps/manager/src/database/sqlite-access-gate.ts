import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, QueryRunner } from 'typeorm';

/** A FIFO mutex: `acquire` resolves in call order, `release` hands over to the next waiter. */
class Mutex {
  private locked = false;
  private readonly waiters: (() => void)[] = [];

  acquire(): Promise<void> {
    if (!this.locked) {
      this.locked = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.locked = false;
  }
}

/**
 * TypeORM's SQLite driver runs every query of the process on ONE shared connection. Left alone,
 * two requests' transactions interleave (the second one's BEGIN turns into a savepoint inside the
 * first, and a commit of one releases the other), and a plain query of another request issued while
 * a transaction is open silently becomes part of it — and is lost if that transaction rolls back.
 *
 * This gate makes the connection exclusive: a transaction holds it from BEGIN to COMMIT/ROLLBACK,
 * a statement outside any transaction holds it for that statement. Work inside a transaction is
 * recognised by an AsyncLocalStorage token set when the transaction starts, so it passes straight
 * through (nested transactions become savepoints, as TypeORM intends). SQLite allows one writer at
 * a time anyway, so this costs no throughput. MySQL/MariaDB use a connection pool and need none.
 */
export function gateSqliteAccess(dataSource: DataSource): void {
  const runner = dataSource.driver.createQueryRunner('master') as QueryRunner & { transactionDepth: number };
  const owner = new AsyncLocalStorage<symbol>();
  const mutex = new Mutex();
  let holder: symbol | null = null;
  const insideHeldTransaction = () => holder !== null && owner.getStore() === holder;

  const startTransaction = runner.startTransaction.bind(runner);
  const commitTransaction = runner.commitTransaction.bind(runner);
  const rollbackTransaction = runner.rollbackTransaction.bind(runner);
  const query = runner.query.bind(runner) as (...args: unknown[]) => Promise<unknown>;

  const releaseWhenOutermostEnds = () => {
    if (runner.transactionDepth === 0 && holder !== null) {
      holder = null;
      mutex.release();
    }
  };

  runner.startTransaction = async (isolationLevel) => {
    if (insideHeldTransaction()) return startTransaction(isolationLevel);
    const token = Symbol('sqlite-transaction');
    // Synchronously, before any await: the caller's continuation (the transaction body) carries it.
    owner.enterWith(token);
    await mutex.acquire();
    holder = token;
    try {
      await startTransaction(isolationLevel);
    } catch (error) {
      holder = null;
      mutex.release();
      throw error;
    }
  };
  runner.commitTransaction = async () => {
    try {
      await commitTransaction();
    } finally {
      releaseWhenOutermostEnds();
    }
  };
  runner.rollbackTransaction = async () => {
    try {
      await rollbackTransaction();
    } finally {
      releaseWhenOutermostEnds();
    }
  };
  (runner as { query: (...args: unknown[]) => Promise<unknown> }).query = async (...args: unknown[]) => {
    if (insideHeldTransaction()) return query(...args);
    await mutex.acquire();
    try {
      return await query(...args);
    } finally {
      mutex.release();
    }
  };
}
