import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { ZoneEntity } from '../zones/zone.entity';

/** A zone-scoped secret; the value is stored encrypted (AES-256-GCM), never in clear. */
@Entity({ name: 'credentials' })
@Unique('uq_credentials_zone_id_credential_key', ['zoneId', 'key'])
export class CredentialEntity {
  @PrimaryGeneratedColumn({ name: 'id' })
  id!: number;

  @Column({ name: 'zone_id', type: 'int' })
  zoneId!: number;

  @ManyToOne(() => ZoneEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'zone_id', foreignKeyConstraintName: 'fk_credentials_zone_id' })
  zone?: ZoneEntity;

  /** Column is `credential_key` because `key` is a reserved word in MySQL. */
  @Column({ name: 'credential_key', type: 'varchar', length: 100 })
  key!: string;

  @Column({ name: 'value_ciphertext', type: 'text' })
  valueCiphertext!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
