import { Global, Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { JwtStrategy } from '../common/auth/jwt.strategy';
import { PRINCIPAL_RESOLVER } from '../common/auth/principal';
import { PrincipalResolverService } from './principal-resolver.service';
import { UsersRepository } from './users.repository';

/** Global because the auth guard (registered app-wide) needs the principal resolver. */
@Global()
@Module({
  imports: [PassportModule],
  providers: [UsersRepository, JwtStrategy, { provide: PRINCIPAL_RESOLVER, useClass: PrincipalResolverService }],
  exports: [PRINCIPAL_RESOLVER, UsersRepository],
})
export class UsersModule {}
