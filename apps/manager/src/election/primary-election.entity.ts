import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { AgentEntity } from '../agents/agent.entity';
import { ZoneEntity } from '../zones/zone.entity';

/** History of primary elections: one row each time a zone's lease changes hands. */
@Entity({ name: 'primary_elections' })
@Index('idx_primary_elections_zone_id_elected_at', ['zoneId', 'electedAt'])
export class PrimaryElectionEntity {
  @PrimaryGeneratedColumn({ name: 'id' })
  id!: number;

  @Column({ name: 'zone_id', type: 'int' })
  zoneId!: number;

  @ManyToOne(() => ZoneEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'zone_id', foreignKeyConstraintName: 'fk_primary_elections_zone_id' })
  zone?: ZoneEntity;

  @Column({ name: 'agent_id', type: 'int', nullable: true })
  agentId!: number | null;

  @ManyToOne(() => AgentEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'agent_id', foreignKeyConstraintName: 'fk_primary_elections_agent_id' })
  agent?: AgentEntity | null;

  @Column({ name: 'previous_agent_id', type: 'int', nullable: true })
  previousAgentId!: number | null;

  @ManyToOne(() => AgentEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({
    name: 'previous_agent_id',
    foreignKeyConstraintName: 'fk_primary_elections_previous_agent_id',
  })
  previousAgent?: AgentEntity | null;

  @Column({ name: 'epoch', type: 'int' })
  epoch!: number;

  @Column({ name: 'reason', type: 'varchar', length: 64 })
  reason!: string;

  @Column({ name: 'elected_at', type: 'datetime', precision: 3 })
  electedAt!: Date;
}
