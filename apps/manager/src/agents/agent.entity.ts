import type { AgentState, Labels } from '@outpost/shared';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { ZoneEntity } from '../zones/zone.entity';

@Entity({ name: 'agents' })
@Unique('uq_agents_agent_key', ['agentKey'])
@Index('idx_agents_zone_id_state', ['zoneId', 'state'])
@Index('uq_agents_zone_id_join_id', ['zoneId', 'joinId'], { unique: true })
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

  /**
   * The id the agent chose for the join that created it (unique per zone), so a retried join finds
   * this agent instead of making another; null for agents that joined without one.
   */
  @Column({ name: 'join_id', type: 'varchar', length: 64, nullable: true })
  joinId!: string | null;

  /**
   * The join token whose use created the agent (null: joined with an API key). A copy, not a
   * foreign key: join tokens are deleted only with their zone, which takes its agents along.
   */
  @Column({ name: 'join_token_id', type: 'int', nullable: true })
  joinTokenId!: number | null;

  /**
   * When the agent first traded its credential for a session. Until then a join repeated with the
   * same join id may replace the credential (its answer may never have arrived); from then on the
   * join id is spent. (Agents that joined before this was recorded have no join id to spend.)
   */
  @Column({ name: 'first_session_at', type: 'datetime', precision: 3, nullable: true })
  firstSessionAt!: Date | null;

  /**
   * When the join attempt whose credential is the current one reached the manager. A repeat of the
   * join replaces the credential only if it arrived later, so a stale attempt (one the agent gave up
   * on, processed after its retry) cannot void the credential the agent kept.
   */
  @Column({ name: 'join_attempt_at', type: 'datetime', precision: 3, nullable: true })
  joinAttemptAt!: Date | null;

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
