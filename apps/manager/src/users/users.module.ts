import { Global, Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { AuditModule } from '../audit/audit.module';
import { JwtStrategy } from '../common/auth/jwt.strategy';
import { PRINCIPAL_RESOLVER } from '../common/auth/principal';
import { ApiTokensService } from './api-tokens.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LoginThrottle } from './login-throttle';
import { PrincipalResolverService } from './principal-resolver.service';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

/** Global because the auth guard (registered app-wide) needs the principal resolver. */
@Global()
@Module({
  imports: [PassportModule, AuditModule],
  controllers: [AuthController, UsersController],
  providers: [
    UsersRepository,
    JwtStrategy,
    { provide: PRINCIPAL_RESOLVER, useClass: PrincipalResolverService },
    LoginThrottle,
    AuthService,
    ApiTokensService,
    UsersService,
  ],
  exports: [PRINCIPAL_RESOLVER, UsersRepository],
})
export class UsersModule {}
