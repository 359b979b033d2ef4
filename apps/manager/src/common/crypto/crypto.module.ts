import { Global, Module } from '@nestjs/common';
import { PasswordHasher } from './password-hasher';
import { SecretBox } from './secret-box';

@Global()
@Module({ providers: [SecretBox, PasswordHasher], exports: [SecretBox, PasswordHasher] })
export class CryptoModule {}
