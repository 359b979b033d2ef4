import type { Labels } from '@outpost/shared';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { UserEntity } from '../users/user.entity';
import { ZoneEntity } from './zone.entity';

@Entity({ name: 'join_tokens' })
@Unique('uq_join_tokens_token_hash', ['tokenHash'])
@Index('idx_join_tokens_zone_id', ['zoneId'])
export class JoinTokenEntity {
  @PrimaryGeneratedColumn({ name: 'id' })
  id!: number;

  @Column({ name: 'zone_id', type: 'int' })
  zoneId!: number;

  @ManyToOne(() => ZoneEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'zone_id', foreignKeyConstraintName: 'fk_join_tokens_zone_id' })
  zone?: ZoneEntity;

  /** sha256 of the token, lowercase hex. */
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ name: 'prefix', type: 'varchar', length: 16 })
  prefix!: string;

  /** Labels given to every agent that joins with this token. */
  @Column({ name: 'labels', type: 'simple-json' })
  labels!: Labels;

  @Column({ name: 'max_uses', type: 'int' })
  maxUses!: number;

  @Column({ name: 'uses', type: 'int', default: 0 })
  uses!: number;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3 })
  expiresAt!: Date;

  @Column({ name: 'revoked_at', type: 'datetime', precision: 3, nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'created_by_user_id', type: 'int', nullable: true })
  createdByUserId!: number | null;

  @ManyToOne(() => UserEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'created_by_user_id', foreignKeyConstraintName: 'fk_join_tokens_created_by_user_id' })
  createdBy?: UserEntity | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
