import { Injectable } from '@nestjs/common';
import { DataSource, type FindOptionsWhere } from 'typeorm';
import { skipTake } from '../database/paging';
import { UserEntity } from '../users/user.entity';
import { AuditLogEntity } from './audit-log.entity';

export type NewAuditLog = Omit<AuditLogEntity, 'id' | 'user'>;

@Injectable()
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(entry: NewAuditLog): Promise<void> {
    await this.dataSource.manager.save(AuditLogEntity, this.dataSource.manager.create(AuditLogEntity, entry));
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
