import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A lease on a background job so only one manager instance runs it at a time. */
@Entity({ name: 'worker_locks' })
export class WorkerLockEntity {
  @PrimaryColumn({ name: 'name', type: 'varchar', length: 64 })
  name!: string;

  @Column({ name: 'holder', type: 'varchar', length: 128 })
  holder!: string;

  @Column({ name: 'epoch', type: 'int' })
  epoch!: number;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3 })
  expiresAt!: Date;

  @Column({ name: 'acquired_at', type: 'datetime', precision: 3 })
  acquiredAt!: Date;
}
