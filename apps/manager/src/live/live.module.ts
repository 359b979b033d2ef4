import { type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { liveRoutes } from '@outpost/shared';
import { MessagingModule } from '../messaging/messaging.module';
import { ZonesModule } from '../zones/zones.module';
import { LiveController } from './live.controller';
import { LiveRepository } from './live.repository';
import { LiveStreamService } from './live-stream.service';
import { streamTokenFromQuery } from './stream-token.middleware';

/** The console's live stream (SSE) over the bus, with replay from the outbox. */
@Module({
  imports: [MessagingModule, ZonesModule],
  controllers: [LiveController],
  providers: [LiveRepository, LiveStreamService],
})
export class LiveModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(streamTokenFromQuery)
      .forRoutes({ path: liveRoutes.stream.path.replace(/^\//, ''), method: RequestMethod.GET });
  }
}
