import { Injectable } from '@nestjs/common';
import type { Page, PageQuery, User, UserRole } from '@outpost/shared';
import { Clock } from '../common/clock/clock';
import { PasswordHasher } from '../common/crypto/password-hasher';
import { AppError, notFound } from '../common/errors/app-error';
import { isUniqueViolation } from '../database/db-errors';
import { pageResult } from '../database/paging';
import { SerialQueue } from './serial-queue';
import type { UserEntity } from './user.entity';
import { toUser } from './user.mapper';
import { UsersRepository } from './users.repository';

interface UserChanges {
  role?: UserRole;
  isDisabled?: boolean;
  password?: string;
}

/**
 * Users administration. Rule: there is always at least one enabled admin, so the manager can never
 * lock itself out (there is no default password to fall back on).
 */
@Injectable()
export class UsersService {
  /** Changes that can remove an admin run one at a time here, and under row locks across managers. */
  private readonly adminChanges = new SerialQueue();

  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly clock: Clock,
  ) {}

  async list(query: PageQuery): Promise<Page<User>> {
    const [users, total] = await this.users.findPage(query);
    return pageResult(users.map(toUser), total, query);
  }

  async create(request: { username: string; password: string; role: UserRole }): Promise<User> {
    if (await this.users.isUsernameTaken(request.username)) throw usernameTaken(request.username);
    const now = this.clock.now();
    const passwordHash = await this.hasher.hash(request.password);
    try {
      const user = await this.users.insert({
        username: request.username,
        passwordHash,
        role: request.role,
        isDisabled: false,
        lastLoginAt: null,
        createdAt: now,
        updatedAt: now,
      });
      return toUser(user);
    } catch (error) {
      if (isUniqueViolation(error)) throw usernameTaken(request.username);
      throw error;
    }
  }

  /**
   * A role change or disabling takes effect on the user's next call (the guard reads the role and
   * the disabled flag from the database every time); a new password ends their sessions.
   */
  async update(userId: number, changes: UserChanges): Promise<User> {
    // Hash outside the lock: argon2 is slow on purpose.
    const passwordHash =
      changes.password === undefined ? undefined : await this.hasher.hash(changes.password);
    return this.adminChanges.run(() =>
      this.users.lockingEnabledAdmins(async (manager, enabledAdminIds) => {
        const user = await this.require(userId, manager);
        const staysEnabledAdmin =
          (changes.role ?? user.role) === 'admin' && !(changes.isDisabled ?? user.isDisabled);
        if (!staysEnabledAdmin) this.refuseLastAdmin(user, enabledAdminIds, 'demote or disable');
        if (changes.role !== undefined) user.role = changes.role;
        if (changes.isDisabled !== undefined) user.isDisabled = changes.isDisabled;
        if (passwordHash !== undefined) user.passwordHash = passwordHash;
        user.updatedAt = this.clock.now();
        return toUser(await this.users.save(user, manager));
      }),
    );
  }

  /** The user's API tokens go with them; audit rows keep their username. */
  async delete(userId: number): Promise<{ deleted: true }> {
    return this.adminChanges.run(() =>
      this.users.lockingEnabledAdmins(async (manager, enabledAdminIds) => {
        const user = await this.require(userId, manager);
        this.refuseLastAdmin(user, enabledAdminIds, 'delete');
        await this.users.delete(user.id, manager);
        return { deleted: true as const };
      }),
    );
  }

  private refuseLastAdmin(user: UserEntity, enabledAdminIds: number[], verb: string): void {
    const isEnabledAdmin = enabledAdminIds.includes(user.id);
    if (isEnabledAdmin && enabledAdminIds.length <= 1) {
      throw new AppError(
        'LAST_ADMIN',
        `Cannot ${verb} ${user.username}: they are the last enabled admin; make another admin first`,
      );
    }
  }

  private async require(
    userId: number,
    manager: Parameters<UsersRepository['findById']>[1],
  ): Promise<UserEntity> {
    const user = await this.users.findById(userId, manager);
    if (!user) throw notFound('USER_NOT_FOUND', 'User', userId);
    return user;
  }
}

function usernameTaken(username: string): AppError {
  return new AppError(
    'USERNAME_TAKEN',
    `A user named "${username}" already exists (names are compared ignoring case)`,
  );
}
