import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, IsNull } from 'typeorm';
import { skipTake } from '../database/paging';
import { ZoneApiKeyEntity } from './zone-api-key.entity';

@Injectable()
export class ApiKeysRepository {
  constructor(private readonly dataSource: DataSource) {}

  findPage(zoneId: number, query: { page: number; pageSize: number }): Promise<[ZoneApiKeyEntity[], number]> {
    return this.dataSource.manager.findAndCount(ZoneApiKeyEntity, {
      where: { zoneId },
      order: { createdAt: 'DESC', id: 'DESC' },
      ...skipTake(query),
    });
  }

  findInZone(zoneId: number, id: number): Promise<ZoneApiKeyEntity | null> {
    return this.dataSource.manager.findOneBy(ZoneApiKeyEntity, { zoneId, id });
  }

  /** An active key by the hash of its secret (agents joining). */
  findActiveByHash(secretHash: string): Promise<ZoneApiKeyEntity | null> {
    return this.dataSource.manager.findOneBy(ZoneApiKeyEntity, { secretHash, revokedAt: IsNull() });
  }

  insert(
    key: Omit<ZoneApiKeyEntity, 'id'>,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<ZoneApiKeyEntity> {
    return manager.save(ZoneApiKeyEntity, manager.create(ZoneApiKeyEntity, key));
  }

  save(key: ZoneApiKeyEntity): Promise<ZoneApiKeyEntity> {
    return this.dataSource.manager.save(ZoneApiKeyEntity, key);
  }

  async activeIds(zoneId: number, manager: EntityManager): Promise<number[]> {
    const keys = await manager.find(ZoneApiKeyEntity, {
      select: { id: true },
      where: { zoneId, revokedAt: IsNull() },
    });
    return keys.map((key) => key.id);
  }

  async revokeAll(zoneId: number, revokedAt: Date, manager: EntityManager): Promise<void> {
    await manager.update(ZoneApiKeyEntity, { zoneId, revokedAt: IsNull() }, { revokedAt });
  }

  async touch(id: number, lastUsedAt: Date): Promise<void> {
    await this.dataSource.manager.update(ZoneApiKeyEntity, { id }, { lastUsedAt });
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}
