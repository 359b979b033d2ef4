import { Global, Injectable, Module } from '@nestjs/common';

/** Time behind a port, so rules about expiry and lockouts can be tested without sleeping. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}

@Global()
@Module({ providers: [Clock], exports: [Clock] })
export class ClockModule {}
