import { Injectable, Logger } from '@nestjs/common';
import type { AuditEntry, Page } from '@outpost/shared';
import { Clock } from '../common/clock/clock';
import { pageResult } from '../database/paging';
import { toAuditEntry } from './audit-entry.mapper';
import { AuditRepository } from './audit.repository';

/** What happened, by whom. Never a request body: those carry passwords and secrets. */
export interface AuditRecord {
  userId: number | null;
  username: string;
  action: string;
  targetType: string;
  targetId: string | number | null;
  zoneId: number | null;
  ip: string | null;
  details?: Record<string, unknown> | null;
}

/** Column widths of audit_logs; longer values are cut rather than failing the write. */
const WIDTH = { username: 64, action: 64, targetType: 32, targetId: 64, ip: 64 } as const;

@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');

  constructor(
    private readonly audit: AuditRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * Writes one audit row. Never throws: the change it describes has already succeeded, and a failed
   * audit write must not turn that into an error for the caller; it is logged instead.
   */
  async record(record: AuditRecord): Promise<void> {
    const row = {
      userId: record.userId,
      username: record.username.slice(0, WIDTH.username),
      action: record.action.slice(0, WIDTH.action),
      targetType: record.targetType.slice(0, WIDTH.targetType),
      targetId: record.targetId === null ? null : String(record.targetId).slice(0, WIDTH.targetId),
      zoneId: record.zoneId,
      details: record.details ?? null,
      ip: record.ip?.slice(0, WIDTH.ip) ?? null,
      createdAt: this.clock.now(),
    };
    try {
      await this.audit.insert(row);
    } catch (error) {
      // A user who just deleted their own account no longer satisfies the foreign key; keep the
      // record with the username copy only.
      if (row.userId !== null && !(await this.userStillExists(row.userId))) {
        return this.insertOrLog({ ...row, userId: null });
      }
      this.logFailure(row.action, error);
    }
  }

  async list(query: {
    page: number;
    pageSize: number;
    zoneId?: number;
    action?: string;
  }): Promise<Page<AuditEntry>> {
    const [entries, total] = await this.audit.findPage(query);
    return pageResult(entries.map(toAuditEntry), total, query);
  }

  private async insertOrLog(row: Parameters<AuditRepository['insert']>[0]): Promise<void> {
    try {
      await this.audit.insert(row);
    } catch (error) {
      this.logFailure(row.action, error);
    }
  }

  private async userStillExists(userId: number): Promise<boolean> {
    try {
      return await this.audit.userExists(userId);
    } catch {
      return true;
    }
  }

  private logFailure(action: string, error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.error(`could not record audit entry for ${action}: ${reason}`);
  }
}
