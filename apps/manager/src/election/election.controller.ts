import { Controller } from '@nestjs/common';
import { electionRoutes, type RouteParams, type RouteQuery } from '@outpost/shared';
import { ApiRoute, Input } from '../common/http/api-route.decorator';
import { ElectionService } from './election.service';

type R = typeof electionRoutes;

@Controller()
export class ElectionController {
  constructor(private readonly election: ElectionService) {}

  @ApiRoute(electionRoutes.list)
  list(@Input('params') params: RouteParams<R['list']>, @Input('query') query: RouteQuery<R['list']>) {
    return this.election.history(params.zoneId, query);
  }
}
