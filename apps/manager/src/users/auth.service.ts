import { randomBytes } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { authRoutes, type Session, type User } from '@outpost/shared';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../common/auth/principal';
import { signSession } from '../common/auth/session-tokens';
import { Clock } from '../common/clock/clock';
import { PasswordHasher } from '../common/crypto/password-hasher';
import { AppError } from '../common/errors/app-error';
import { iso } from '../common/http/iso';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { isUniqueViolation } from '../database/db-errors';
import { LoginThrottle, loginThrottleKeys } from './login-throttle';
import type { UserEntity } from './user.entity';
import { toUser } from './user.mapper';
import { UsersRepository } from './users.repository';

/** One message for an unknown user and a wrong password, so sign-in does not reveal who exists. */
const INVALID_CREDENTIALS_MESSAGE = 'Wrong username or password';

interface Credentials {
  username: string;
  password: string;
}

/** First-run activation, sign-in, the signed-in user and their password. */
@Injectable()
export class AuthService implements OnModuleInit {
  /** Verified against when the username is unknown, so both failures cost one argon2 verification. */
  private dummyHash = '';

  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'jwtSecret' | 'sessionTtlSeconds'>,
  ) {}

  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.hasher.hash(randomBytes(24).toString('base64'));
  }

  async status(): Promise<{ activated: boolean }> {
    return { activated: await this.users.anyExists() };
  }

  /** Creates the first admin; only while no user exists (there is no default password). */
  async activate(request: Credentials, ip: string | undefined): Promise<Session> {
    if (await this.users.anyExists()) throw alreadyActivated();
    const now = this.clock.now();
    const passwordHash = await this.hasher.hash(request.password);
    let user: UserEntity;
    try {
      user = await this.users.insertFirstAdmin({
        username: request.username,
        passwordHash,
        role: 'admin',
        isDisabled: false,
        lastLoginAt: now,
        createdAt: now,
        updatedAt: now,
      });
    } catch (error) {
      // A concurrent activation inserted the first admin between our check and our insert.
      if (isUniqueViolation(error)) throw alreadyActivated();
      throw error;
    }
    await this.recordSignIn(user, authRoutes.activate.id, ip);
    return this.session(user);
  }

  /**
   * Throttled per account and per client address (checked before the password, so a locked key is
   * refused even with the right one). Unknown users, wrong passwords and disabled accounts all get
   * the same answer after the same amount of work.
   */
  async login(request: Credentials, ip: string | undefined): Promise<Session> {
    const keys = loginThrottleKeys(request.username, ip);
    const wait = this.throttle.retryAfterSeconds([keys.account, keys.address]);
    if (wait > 0) {
      throw new AppError(
        'TOO_MANY_REQUESTS',
        `Too many failed sign-ins; try again in ${wait} seconds`,
        undefined,
        {
          'Retry-After': String(wait),
        },
      );
    }
    const user = await this.users.findByUsername(request.username);
    if (!user && !(await this.users.anyExists())) {
      throw new AppError(
        'NOT_ACTIVATED',
        'No account exists yet; activate the manager first (POST /api/v1/auth/activate)',
      );
    }
    const matches = await this.hasher.verify(user?.passwordHash ?? this.dummyHash, request.password);
    if (!user || !matches || user.isDisabled) {
      this.throttle.recordFailure([keys.account, keys.address]);
      throw new AppError('INVALID_CREDENTIALS', INVALID_CREDENTIALS_MESSAGE);
    }
    this.throttle.reset(keys.account);
    user.lastLoginAt = this.clock.now();
    await this.users.updateLastLogin(user.id, user.lastLoginAt);
    await this.recordSignIn(user, authRoutes.login.id, ip);
    return this.session(user);
  }

  async me(principal: Principal): Promise<User> {
    return toUser(await this.requireUser(principal.userId));
  }

  /** A new hash changes the session tokens' `pwd` claim, so every older session stops working. */
  async changePassword(
    principal: Principal,
    request: { currentPassword: string; newPassword: string },
  ): Promise<Session> {
    const user = await this.requireUser(principal.userId);
    if (!(await this.hasher.verify(user.passwordHash, request.currentPassword))) {
      throw new AppError('INVALID_CREDENTIALS', 'The current password is wrong');
    }
    user.passwordHash = await this.hasher.hash(request.newPassword);
    user.updatedAt = this.clock.now();
    return this.session(await this.users.save(user));
  }

  private async requireUser(userId: number): Promise<UserEntity> {
    const user = await this.users.findById(userId);
    // The guard resolved this user a moment ago; gone now means deleted in between.
    if (!user) throw new AppError('UNAUTHENTICATED', 'Your account no longer exists');
    return user;
  }

  private session(user: UserEntity): Session {
    const issued = signSession(user, {
      secret: this.config.jwtSecret,
      ttlSeconds: this.config.sessionTtlSeconds,
      now: this.clock.now(),
    });
    return { accessToken: issued.accessToken, expiresAt: iso(issued.expiresAt), user: toUser(user) };
  }

  private recordSignIn(user: UserEntity, action: string, ip: string | undefined): Promise<void> {
    return this.audit.record({
      userId: user.id,
      username: user.username,
      action,
      targetType: authRoutes.login.tag,
      targetId: user.id,
      zoneId: null,
      ip: ip ?? null,
    });
  }
}

function alreadyActivated(): AppError {
  return new AppError('ALREADY_ACTIVATED', 'The manager is already activated; sign in instead');
}
