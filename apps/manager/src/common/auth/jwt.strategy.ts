import { createSecretKey } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config.schema';
import { type Principal, PRINCIPAL_RESOLVER, type PrincipalResolver, type SessionClaims } from './principal';

/** Verifies the console's HS256 access token (signature and expiry) and resolves the user. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(PRINCIPAL_RESOLVER) private readonly resolver: PrincipalResolver,
  ) {
    // A KeyObject made once: given the secret as a string, jsonwebtoken first tries it as a public
    // key on every request (a throw and a catch), a measurable share of each API call's CPU.
    // passport-jwt's types only name string | Buffer, but it hands the key to jsonwebtoken as is.
    const key = createSecretKey(Buffer.from(config.jwtSecret, 'utf8')) as unknown as Buffer;
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: (_request: unknown, _token: unknown, done: (error: null, key: Buffer) => void) =>
        done(null, key),
      algorithms: ['HS256'],
      ignoreExpiration: false,
      issuer: 'outpost',
    });
  }

  validate(claims: SessionClaims): Promise<Principal> {
    return this.resolver.fromSession(claims);
  }
}
