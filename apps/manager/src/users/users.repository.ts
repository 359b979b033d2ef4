import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { skipTake } from '../database/paging';
import { ApiTokenEntity } from './api-token.entity';
import { existsIgnoringCase } from '../database/case-insensitive';
import { UserEntity } from './user.entity';

/** The first account always gets this id; see `insertFirstAdmin`. */
const FIRST_USER_ID = 1;

type NewUser = Omit<UserEntity, 'id'>;

@Injectable()
export class UsersRepository {
  constructor(private readonly dataSource: DataSource) {}

  findById(id: number, manager: EntityManager = this.dataSource.manager): Promise<UserEntity | null> {
    return manager.findOneBy(UserEntity, { id });
  }

  /** Usernames are unique ignoring case. */
  isUsernameTaken(username: string): Promise<boolean> {
    return existsIgnoringCase(this.dataSource.manager, UserEntity, 'username', username);
  }

  findByUsername(username: string): Promise<UserEntity | null> {
    return this.dataSource.manager.findOneBy(UserEntity, { username });
  }

  async anyExists(): Promise<boolean> {
    return (await this.dataSource.manager.find(UserEntity, { select: { id: true }, take: 1 })).length > 0;
  }

  findPage(query: { page: number; pageSize: number }): Promise<[UserEntity[], number]> {
    return this.dataSource.manager.findAndCount(UserEntity, {
      order: { username: 'ASC', id: 'ASC' },
      ...skipTake(query),
    });
  }

  insert(user: NewUser): Promise<UserEntity> {
    return this.dataSource.manager.save(UserEntity, this.dataSource.manager.create(UserEntity, user));
  }

  /**
   * Inserts the first admin with the fixed id 1. The primary key is the guard against two concurrent
   * activations: both may have seen an empty table, but only one can insert id 1, the other gets a
   * unique violation. (No transaction: it would add nothing to that guarantee, and TypeORM's
   * better-sqlite3 driver runs concurrent transactions on one shared connection.)
   */
  async insertFirstAdmin(user: NewUser): Promise<UserEntity> {
    await this.dataSource.manager.insert(UserEntity, { ...user, id: FIRST_USER_ID });
    const inserted = await this.findById(FIRST_USER_ID);
    if (!inserted) throw new Error('the first admin vanished right after its insert');
    return inserted;
  }

  save(user: UserEntity, manager: EntityManager = this.dataSource.manager): Promise<UserEntity> {
    return manager.save(UserEntity, user);
  }

  async updateLastLogin(id: number, lastLoginAt: Date): Promise<void> {
    await this.dataSource.manager.update(UserEntity, { id }, { lastLoginAt });
  }

  /** Tokens cascade; audit rows keep the username and lose the user id. */
  async delete(id: number, manager: EntityManager): Promise<void> {
    await manager.delete(UserEntity, { id });
  }

  /**
   * Runs `work` in a transaction holding a write lock on every enabled admin row (MySQL/MariaDB), so
   * two managers cannot each remove "one of two" admins at once. SQLite serialises writers itself and
   * has no row locks; callers also serialise in-process (see UsersService).
   */
  lockingEnabledAdmins<T>(
    work: (manager: EntityManager, enabledAdminIds: number[]) => Promise<T>,
  ): Promise<T> {
    const rowLocks = this.dataSource.options.type !== 'better-sqlite3';
    return this.dataSource.transaction(async (manager) => {
      const admins = await manager.find(UserEntity, {
        select: { id: true },
        where: { role: 'admin', isDisabled: false },
        ...(rowLocks ? { lock: { mode: 'pessimistic_write' as const } } : {}),
      });
      return work(
        manager,
        admins.map((admin) => admin.id),
      );
    });
  }

  /** A token by the hash of its secret, with its user. */
  findTokenByHash(tokenHash: string): Promise<ApiTokenEntity | null> {
    return this.dataSource.manager.findOne(ApiTokenEntity, {
      where: { tokenHash },
      relations: { user: true },
    });
  }

  findTokenPage(
    userId: number,
    query: { page: number; pageSize: number },
  ): Promise<[ApiTokenEntity[], number]> {
    return this.dataSource.manager.findAndCount(ApiTokenEntity, {
      where: { userId },
      order: { createdAt: 'DESC', id: 'DESC' },
      ...skipTake(query),
    });
  }

  /** Scoped by owner: another user's token id is simply not found. */
  findUserToken(userId: number, id: number): Promise<ApiTokenEntity | null> {
    return this.dataSource.manager.findOneBy(ApiTokenEntity, { userId, id });
  }

  insertToken(token: Omit<ApiTokenEntity, 'id' | 'user'>): Promise<ApiTokenEntity> {
    return this.dataSource.manager.save(
      ApiTokenEntity,
      this.dataSource.manager.create(ApiTokenEntity, token),
    );
  }

  saveToken(token: ApiTokenEntity): Promise<ApiTokenEntity> {
    return this.dataSource.manager.save(ApiTokenEntity, token);
  }

  async touchToken(id: number, lastUsedAt: Date): Promise<void> {
    await this.dataSource.manager.update(ApiTokenEntity, { id }, { lastUsedAt });
  }
}
