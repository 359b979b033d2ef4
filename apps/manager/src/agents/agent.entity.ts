import type { AgentState, Labels } from '@outpost/shared';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { ZoneEntity } from '../zones/zone.entity';

@Entity({ name: 'agents' })
@Unique('uq_agents_agent_key', ['agentKey'])
@Index('idx_agents_zone_id_state', ['zoneId', 'state'])
export class AgentEntity {
  @PrimaryGeneratedColumn({ name: 'id' })
  id!: number;

  @Column({ name: 'zone_id', type: 'int' })
  zoneId!: number;

  @ManyToOne(() => ZoneEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'zone_id', foreignKeyConstraintName: 'fk_agents_zone_id' })
  zone?: ZoneEntity;

  /** Stable id the agent keeps in its state dir; survives reboots. */
  @Column({ name: 'agent_key', type: 'varchar', length: 64 })
  agentKey!: string;

  /** sha256 of the per-agent credential, lowercase hex. */
  @Column({ name: 'credential_hash', type: 'varchar', length: 64 })
  credentialHash!: string;

  @Column({ name: 'hostname', type: 'varchar', length: 255 })
  hostname!: string;

  @Column({ name: 'ips', type: 'simple-json' })
  ips!: string[];

  @Column({ name: 'lan_port', type: 'int' })
  lanPort!: number;

  @Column({ name: 'version', type: 'varchar', length: 45 })
  version!: string;

  @Column({ name: 'platform', type: 'varchar', length: 45 })
  platform!: string;

  @Column({ name: 'labels', type: 'simple-json' })
  labels!: Labels;

  @Column({ name: 'cpu_cores', type: 'int' })
  cpuCores!: number;

  @Column({ name: 'memory_mb', type: 'int', nullable: true })
  memoryMb!: number | null;

  @Column({ name: 'disk_mb', type: 'int', nullable: true })
  diskMb!: number | null;

  @Column({ name: 'free_memory_mb', type: 'int', nullable: true })
  freeMemoryMb!: number | null;

  @Column({ name: 'free_disk_mb', type: 'int', nullable: true })
  freeDiskMb!: number | null;

  @Column({ name: 'running_tasks', type: 'int', default: 0 })
  runningTasks!: number;

  @Column({ name: 'state', type: 'varchar', length: 16 })
  state!: AgentState;

  @Column({ name: 'last_seen_at', type: 'datetime', precision: 3, nullable: true })
  lastSeenAt!: Date | null;

  @Column({ name: 'joined_at', type: 'datetime', precision: 3 })
  joinedAt!: Date;

  @Column({ name: 'retired_at', type: 'datetime', precision: 3, nullable: true })
  retiredAt!: Date | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
