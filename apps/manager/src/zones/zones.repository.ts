import { Injectable } from '@nestjs/common';
import type { ZoneContents } from '@outpost/shared';
import { DataSource, type EntityManager, In, Like, Not } from 'typeorm';
import { AgentEntity } from '../agents/agent.entity';
import { CredentialEntity } from '../credentials/credential.entity';
import { existsIgnoringCase } from '../database/case-insensitive';
import { skipTake } from '../database/paging';
import { TaskEntity } from '../tasks/task.entity';
import { ZoneApiKeyEntity } from './zone-api-key.entity';
import { ZoneEntity } from './zone.entity';

/** Statuses of a task that an agent holds or is about to run. */
const IN_FLIGHT_STATUSES = ['hand-over', 'wait-exec', 'started', 'running', 'recovering'];
const FINISHED_STATUSES = ['complete', 'failed', 'failed-recover', 'canceled', 'stopped', 'timeout'];

@Injectable()
export class ZonesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Zone names are unique ignoring case. */
  isNameTaken(name: string, exceptId?: number): Promise<boolean> {
    return existsIgnoringCase(this.dataSource.manager, ZoneEntity, 'name', name, { exceptId });
  }

  findById(id: number, manager: EntityManager = this.dataSource.manager): Promise<ZoneEntity | null> {
    return manager.findOneBy(ZoneEntity, { id });
  }

  findPage(query: { page: number; pageSize: number; name?: string }): Promise<[ZoneEntity[], number]> {
    return this.dataSource.manager.findAndCount(ZoneEntity, {
      where: query.name ? { name: Like(`%${escapeLike(query.name)}%`) } : {},
      order: { name: 'ASC', id: 'ASC' },
      ...skipTake(query),
    });
  }

  insert(zone: Omit<ZoneEntity, 'id'>): Promise<ZoneEntity> {
    return this.dataSource.manager.save(ZoneEntity, this.dataSource.manager.create(ZoneEntity, zone));
  }

  save(zone: ZoneEntity): Promise<ZoneEntity> {
    return this.dataSource.manager.save(ZoneEntity, zone);
  }

  async contents(zoneId: number, manager: EntityManager = this.dataSource.manager): Promise<ZoneContents> {
    const [agents, onlineAgents, tasks, activeTasks, credentials, apiKeys] = await Promise.all([
      manager.countBy(AgentEntity, { zoneId }),
      manager.countBy(AgentEntity, { zoneId, state: In(['online', 'suspect']) }),
      manager.countBy(TaskEntity, { zoneId }),
      manager.countBy(TaskEntity, { zoneId, status: In(IN_FLIGHT_STATUSES) }),
      manager.countBy(CredentialEntity, { zoneId }),
      manager.countBy(ZoneApiKeyEntity, { zoneId }),
    ]);
    return { agents, onlineAgents, tasks, activeTasks, credentials, apiKeys };
  }

  /** Tasks that have not finished yet (any state but the terminal ones). */
  countUnfinishedTasks(zoneId: number, manager: EntityManager = this.dataSource.manager): Promise<number> {
    return manager.countBy(TaskEntity, { zoneId, status: Not(In(FINISHED_STATUSES)) });
  }

  /** Foreign keys cascade: agents, keys, tokens, leases, tasks (steps, runs, logs), credentials. */
  async delete(zoneId: number, manager: EntityManager): Promise<void> {
    await manager.delete(ZoneEntity, { id: zoneId });
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}

export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}
