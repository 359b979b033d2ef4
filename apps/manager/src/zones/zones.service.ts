import { Injectable } from '@nestjs/common';
import type {
  CreateZoneRequest,
  Page,
  UpdateZoneRequest,
  Zone,
  ZoneContents,
  ZoneDetail,
} from '@outpost/shared';
import { Clock } from '../common/clock/clock';
import { AppError, notFound } from '../common/errors/app-error';
import { isUniqueViolation } from '../database/db-errors';
import { pageResult } from '../database/paging';
import type { ZoneEntity } from './zone.entity';
import { toZone } from './zone.mapper';
import { ZonesRepository } from './zones.repository';

@Injectable()
export class ZonesService {
  constructor(
    private readonly zones: ZonesRepository,
    private readonly clock: Clock,
  ) {}

  async create(request: CreateZoneRequest): Promise<Zone> {
    await this.refuseTakenName(request.name);
    const now = this.clock.now();
    try {
      return toZone(await this.zones.insert({ ...request, createdAt: now, updatedAt: now }));
    } catch (error) {
      throw this.nameTakenOr(error, request.name);
    }
  }

  async list(query: { page: number; pageSize: number; name?: string }): Promise<Page<Zone>> {
    const [zones, total] = await this.zones.findPage(query);
    return pageResult(zones.map(toZone), total, query);
  }

  async get(zoneId: number): Promise<ZoneDetail> {
    const zone = await this.require(zoneId);
    return { ...toZone(zone), contents: await this.zones.contents(zoneId) };
  }

  async update(zoneId: number, changes: UpdateZoneRequest): Promise<Zone> {
    const zone = await this.require(zoneId);
    if (changes.name !== undefined) await this.refuseTakenName(changes.name, zoneId);
    Object.assign(zone, changes, { updatedAt: this.clock.now() });
    try {
      return toZone(await this.zones.save(zone));
    } catch (error) {
      throw this.nameTakenOr(error, changes.name ?? zone.name);
    }
  }

  /**
   * Deletes the zone with everything that belongs to it, in one transaction. Refused while the zone
   * is in use, so no running work loses its zone under it.
   */
  async delete(zoneId: number): Promise<{ deleted: true; removed: ZoneContents }> {
    return this.zones.transaction(async (manager) => {
      if (!(await this.zones.findById(zoneId, manager))) throw notFound('ZONE_NOT_FOUND', 'Zone', zoneId);
      const removed = await this.zones.contents(zoneId, manager);
      if (removed.onlineAgents > 0 || removed.activeTasks > 0) {
        throw new AppError(
          'ZONE_NOT_EMPTY',
          `Zone ${zoneId} is in use: ${removed.onlineAgents} agent(s) online and ${removed.activeTasks} task(s) running; stop the agents and cancel those tasks first`,
        );
      }
      await this.zones.delete(zoneId, manager);
      return { deleted: true as const, removed };
    });
  }

  /** For other features: the zone or a 404. */
  async require(zoneId: number): Promise<ZoneEntity> {
    const zone = await this.zones.findById(zoneId);
    if (!zone) throw notFound('ZONE_NOT_FOUND', 'Zone', zoneId);
    return zone;
  }

  private async refuseTakenName(name: string, exceptId?: number): Promise<void> {
    if (await this.zones.isNameTaken(name, exceptId)) {
      throw new AppError(
        'ZONE_NAME_TAKEN',
        `A zone named "${name}" already exists (names are compared ignoring case)`,
      );
    }
  }

  private nameTakenOr(error: unknown, name: string): unknown {
    return isUniqueViolation(error)
      ? new AppError('ZONE_NAME_TAKEN', `A zone named "${name}" already exists`)
      : error;
  }
}
