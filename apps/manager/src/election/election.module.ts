import { Module } from '@nestjs/common';
import { ZonesModule } from '../zones/zones.module';
import { ElectionController } from './election.controller';
import { ElectionRepository } from './election.repository';
import { ElectionService } from './election.service';
import { ZoneEventsWriter } from './zone-events.writer';

/** The zone lease and its history; other features call ElectionService (and write events with ZoneEventsWriter). */
@Module({
  imports: [ZonesModule],
  controllers: [ElectionController],
  providers: [ElectionRepository, ElectionService, ZoneEventsWriter],
  exports: [ElectionService, ZoneEventsWriter],
})
export class ElectionModule {}
