import type { Labels } from '@outpost/shared';
import { Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

@Entity({ name: 'zones' })
@Unique('uq_zones_name', ['name'])
export class ZoneEntity {
  @PrimaryGeneratedColumn({ name: 'id' })
  id!: number;

  @Column({ name: 'name', type: 'varchar', length: 100 })
  name!: string;

  @Column({ name: 'platform', type: 'varchar', length: 45, default: 'linux' })
  platform!: string;

  @Column({ name: 'labels', type: 'simple-json' })
  labels!: Labels;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
