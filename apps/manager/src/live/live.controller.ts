import { Controller, Req, Res } from '@nestjs/common';
import { liveRoutes, type RouteQuery } from '@outpost/shared';
import type { Request, Response } from 'express';
import { ApiRoute, Input } from '../common/http/api-route.decorator';
import { LiveStreamService } from './live-stream.service';

@Controller()
export class LiveController {
  constructor(private readonly live: LiveStreamService) {}

  /** The response stays open: the service writes the stream and ends it. */
  @ApiRoute(liveRoutes.stream)
  async stream(
    @Input('query') query: RouteQuery<typeof liveRoutes.stream>,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    await this.live.open(request, response, query);
  }
}
