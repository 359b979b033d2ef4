import { Global, Module } from '@nestjs/common';
import { ManagerMetrics } from './manager-metrics';
import { MetricsController } from './metrics.controller';
import { MetricsRepository } from './metrics.repository';
import { MetricsService } from './metrics.service';

/**
 * Prometheus `/metrics`. Global for ManagerMetrics only: the report service (dispatch latency),
 * the outbox publisher and the live stream record into it without importing this feature.
 */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [ManagerMetrics, MetricsRepository, MetricsService],
  exports: [ManagerMetrics],
})
export class MetricsModule {}
