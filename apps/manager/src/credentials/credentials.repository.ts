import { Injectable } from '@nestjs/common';
import type { PageQuery } from '@outpost/shared';
import { DataSource } from 'typeorm';
import { skipTake } from '../database/paging';
import { existsIgnoringCase } from '../database/case-insensitive';
import { CredentialEntity } from './credential.entity';

@Injectable()
export class CredentialsRepository {
  constructor(private readonly dataSource: DataSource) {}

  findPage(zoneId: number, query: PageQuery): Promise<[CredentialEntity[], number]> {
    return this.dataSource.manager.findAndCount(CredentialEntity, {
      where: { zoneId },
      order: { key: 'ASC', id: 'ASC' },
      ...skipTake(query),
    });
  }

  findAllOfZone(zoneId: number): Promise<CredentialEntity[]> {
    return this.dataSource.manager.find(CredentialEntity, {
      where: { zoneId },
      order: { key: 'ASC', id: 'ASC' },
    });
  }

  findInZone(zoneId: number, id: number): Promise<CredentialEntity | null> {
    return this.dataSource.manager.findOneBy(CredentialEntity, { zoneId, id });
  }

  /** Klevr's id-only routes: the zone is whatever the credential belongs to. */
  findById(id: number): Promise<CredentialEntity | null> {
    return this.dataSource.manager.findOneBy(CredentialEntity, { id });
  }

  /**
   * Exact, case-sensitive match. MariaDB's default collation compares `token` and `TOKEN` as equal,
   * so the candidates are filtered again here; SQLite already compares bytes.
   */
  async findByKey(zoneId: number, key: string): Promise<CredentialEntity | null> {
    const candidates = await this.dataSource.manager.findBy(CredentialEntity, { zoneId, key });
    return candidates.find((candidate) => candidate.key === key) ?? null;
  }

  /** Keys are unique per zone ignoring case (they become environment variable names). */
  isKeyTaken(zoneId: number, key: string): Promise<boolean> {
    return existsIgnoringCase(this.dataSource.manager, CredentialEntity, 'key', key, { scope: { zoneId } });
  }

  insert(credential: Omit<CredentialEntity, 'id'>): Promise<CredentialEntity> {
    return this.dataSource.manager.save(
      CredentialEntity,
      this.dataSource.manager.create(CredentialEntity, credential),
    );
  }

  async updateValue(credential: CredentialEntity, valueCiphertext: string, updatedAt: Date): Promise<void> {
    await this.dataSource.manager.update(
      CredentialEntity,
      { id: credential.id, zoneId: credential.zoneId },
      { valueCiphertext, updatedAt },
    );
  }

  async delete(credential: CredentialEntity): Promise<void> {
    await this.dataSource.manager.delete(CredentialEntity, { id: credential.id, zoneId: credential.zoneId });
  }
}
