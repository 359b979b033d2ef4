import { Module } from '@nestjs/common';
import { EventCursors } from './event-cursors.repository';

/** Reading the outbox (events are written by the features, in their own transactions). */
@Module({
  providers: [EventCursors],
  exports: [EventCursors],
})
export class EventsModule {}
