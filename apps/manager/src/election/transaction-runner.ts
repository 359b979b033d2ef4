import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/**
 * Runs a transaction. On SQLite, TypeORM shares its one connection between concurrent
 * transactions of the process (they would interleave as savepoints of each other), so there they
 * run one after another; SQLite serializes writers anyway, so nothing is lost. On MySQL/MariaDB
 * each transaction has its own connection and row locks do the work.
 */
@Injectable()
export class TransactionRunner {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly serialize: boolean;

  constructor(private readonly dataSource: DataSource) {
    const type = dataSource.options.type;
    this.serialize = type === 'better-sqlite3' || type === 'sqlite';
  }

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (!this.serialize) return this.dataSource.transaction(work);
    const result = this.tail.then(() => this.dataSource.transaction(work));
    this.tail = result.catch(() => undefined);
    return result;
  }
}
