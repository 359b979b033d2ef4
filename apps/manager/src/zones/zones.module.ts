import { Module } from '@nestjs/common';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';
import { ZonesController } from './zones.controller';
import { ZonesRepository } from './zones.repository';
import { ZonesService } from './zones.service';

@Module({
  controllers: [ZonesController, ApiKeysController],
  providers: [ZonesRepository, ZonesService, ApiKeysRepository, ApiKeysService],
  exports: [ZonesService, ApiKeysService],
})
export class ZonesModule {}
