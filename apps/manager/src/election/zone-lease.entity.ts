import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { AgentEntity } from '../agents/agent.entity';
import { ZoneEntity } from '../zones/zone.entity';

/** The primary lease of a zone: one row per zone, fenced by `epoch` (see ARCHITECTURE.md §4). */
@Entity({ name: 'zone_leases' })
export class ZoneLeaseEntity {
  @PrimaryColumn({ name: 'zone_id', type: 'int' })
  zoneId!: number;

  @ManyToOne(() => ZoneEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'zone_id', foreignKeyConstraintName: 'fk_zone_leases_zone_id' })
  zone?: ZoneEntity;

  @Column({ name: 'agent_id', type: 'int', nullable: true })
  agentId!: number | null;

  @ManyToOne(() => AgentEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'agent_id', foreignKeyConstraintName: 'fk_zone_leases_agent_id' })
  agent?: AgentEntity | null;

  @Column({ name: 'epoch', type: 'int', default: 0 })
  epoch!: number;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3 })
  expiresAt!: Date;

  @Column({ name: 'acquired_at', type: 'datetime', precision: 3 })
  acquiredAt!: Date;

  @Column({ name: 'renewed_at', type: 'datetime', precision: 3, nullable: true })
  renewedAt!: Date | null;
}
