import { Controller, Res } from '@nestjs/common';
import { healthRoutes } from '@outpost/shared';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { ApiRoute } from '../common/http/api-route.decorator';

@Controller()
export class HealthController {
  constructor(private readonly dataSource: DataSource) {}

  @ApiRoute(healthRoutes.live)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @ApiRoute(healthRoutes.ready)
  async ready(
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ status: 'ready' | 'unavailable'; database: 'up' | 'down' }> {
    try {
      await this.dataSource.query('SELECT 1');
      return { status: 'ready', database: 'up' };
    } catch {
      response.status(503);
      return { status: 'unavailable', database: 'down' };
    }
  }
}
