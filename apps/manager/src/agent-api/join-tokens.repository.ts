import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { skipTake } from '../database/paging';
import { JoinTokenEntity } from '../zones/join-token.entity';

@Injectable()
export class JoinTokensRepository {
  constructor(private readonly dataSource: DataSource) {}

  insert(token: Omit<JoinTokenEntity, 'id'>): Promise<JoinTokenEntity> {
    return this.dataSource.manager.save(
      JoinTokenEntity,
      this.dataSource.manager.create(JoinTokenEntity, token),
    );
  }

  findPage(zoneId: number, query: { page: number; pageSize: number }): Promise<[JoinTokenEntity[], number]> {
    return this.dataSource.manager.findAndCount(JoinTokenEntity, {
      where: { zoneId },
      order: { createdAt: 'DESC', id: 'DESC' },
      ...skipTake(query),
    });
  }

  findInZone(zoneId: number, id: number): Promise<JoinTokenEntity | null> {
    return this.dataSource.manager.findOneBy(JoinTokenEntity, { zoneId, id });
  }

  findByHash(tokenHash: string): Promise<JoinTokenEntity | null> {
    return this.dataSource.manager.findOneBy(JoinTokenEntity, { tokenHash });
  }

  async revoke(id: number, revokedAt: Date): Promise<void> {
    await this.dataSource.manager
      .createQueryBuilder()
      .update(JoinTokenEntity)
      .set({ revokedAt })
      .where('id = :id AND revoked_at IS NULL', { id })
      .execute();
  }

  /**
   * Takes one use of the token: ONE guarded UPDATE, so concurrent joins (on any number of
   * managers) can never exceed `max_uses`. False when it is revoked, expired or used up.
   */
  async consume(manager: EntityManager, id: number, now: Date): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(JoinTokenEntity)
      .set({ uses: () => 'uses + 1' })
      .where('id = :id AND uses < max_uses AND revoked_at IS NULL AND expires_at > :now', { id, now })
      .execute();
    return result.affected === 1;
  }
}
