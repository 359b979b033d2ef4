import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EventBus } from '../common/messaging/event-bus';
import { WorkSignal } from '../work/work-signal';

/**
 * Cross-manager wake-ups: a manager that makes work deliverable (WorkSignal.notify) tells the
 * others, so the one holding the zone primary's long-poll hands the work out now instead of at
 * the end of the hold. Wake-ups from other managers release this process's held polls. Nothing
 * to do with the in-process bus: there are no other managers to tell.
 */
@Injectable()
export class WakeupRelay implements OnModuleInit, OnModuleDestroy {
  private readonly detach: (() => void)[] = [];

  constructor(
    private readonly bus: EventBus,
    private readonly signal: WorkSignal,
  ) {}

  onModuleInit(): void {
    if (this.bus.driver === 'in-process') return;
    this.detach.push(
      this.signal.relayTo((zoneId) => this.bus.publishWakeup(zoneId)),
      this.bus.onWakeup((zoneId) => this.signal.wake(zoneId)),
    );
  }

  onModuleDestroy(): void {
    for (const detach of this.detach.splice(0)) detach();
  }
}
