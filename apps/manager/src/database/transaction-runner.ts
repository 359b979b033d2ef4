import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/**
 * The one way services open a transaction. On MySQL/MariaDB each transaction has its own pooled
 * connection; on SQLite the access gate (sqlite-access-gate.ts) makes each transaction exclusive
 * on the single connection, so callers need nothing else.
 */
@Injectable()
export class TransactionRunner {
  constructor(private readonly dataSource: DataSource) {}

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}
