import { Controller, Req, Res } from '@nestjs/common';
import { metricsRoutes } from '@outpost/shared';
import type { Request, Response } from 'express';
import { AppError } from '../common/errors/app-error';
import { ApiRoute } from '../common/http/api-route.decorator';
import { EXPOSITION_CONTENT_TYPE } from './exposition';
import { MetricsService } from './metrics.service';

/**
 * Prometheus scrape endpoint. The route is 'public' for the AuthGuard (scrapers do not sign in);
 * when OUTPOST_METRICS_TOKEN is set this handler asks for it as a bearer token instead.
 */
@Controller()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @ApiRoute(metricsRoutes.metrics)
  async metricsPage(@Req() request: Request, @Res() response: Response): Promise<void> {
    if (!this.metrics.allows(request.headers.authorization)) {
      throw new AppError('UNAUTHENTICATED', 'Send Authorization: Bearer <OUTPOST_METRICS_TOKEN>');
    }
    const text = await this.metrics.render();
    // end(), not send(): send() would rewrite the content type's parameters.
    response.status(200);
    response.setHeader('Content-Type', EXPOSITION_CONTENT_TYPE);
    response.setHeader('Cache-Control', 'no-store');
    response.end(text);
  }
}
