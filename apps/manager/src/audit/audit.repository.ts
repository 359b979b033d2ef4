import { Injectable } from '@nestjs/common';
import { DataSource, type FindOptionsWhere, type QueryDeepPartialEntity } from 'typeorm';
import { skipTake } from '../database/paging';
import { UserEntity } from '../users/user.entity';
import { AuditLogEntity } from './audit-log.entity';

export type NewAuditLog = Omit<AuditLogEntity, 'id' | 'user'>;

@Injectable()
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * One INSERT, atomic on its own: `save` would wrap it in a transaction of its own (two more
   * statements on every audited request).
   */
  async insert(entry: NewAuditLog): Promise<void> {
    // `details` is one JSON column: TypeORM's deep-partial type cannot say so.
    await this.dataSource.manager.insert(AuditLogEntity, entry as QueryDeepPartialEntity<AuditLogEntity>);
  }

  async userExists(id: number): Promise<boolean> {
    return (await this.dataSource.manager.countBy(UserEntity, { id })) > 0;
  }

  findPage(query: {
    page: number;
    pageSize: number;
    zoneId?: number;
    action?: string;
  }): Promise<[AuditLogEntity[], number]> {
    const where: FindOptionsWhere<AuditLogEntity> = {};
    if (query.zoneId !== undefined) where.zoneId = query.zoneId;
    if (query.action !== undefined) where.action = query.action;
    return this.dataSource.manager.findAndCount(AuditLogEntity, {
      where,
      order: { createdAt: 'DESC', id: 'DESC' },
      ...skipTake(query),
    });
  }
}
