import { Table, TableForeignKey, TableIndex, TableUnique } from 'typeorm';
import type { MigrationInterface, QueryRunner, TableColumnOptions } from 'typeorm';

/*
 * The first schema of Outpost. One migration for MySQL 8 / MariaDB 10.11 and SQLite: every type
 * below is one both dialects accept and report back the way TypeORM expects for the entities, so
 * the drift check (entities vs. database) is empty on both:
 *   - `integer` (MySQL stores it as INT; SQLite needs exactly `integer` for an auto-increment key)
 *   - `varchar(n)`, `text`, `datetime(3)` (milliseconds; SQLite keeps the declared type and
 *     stores the text TypeORM writes, `YYYY-MM-DD HH:MM:SS.sss` in UTC)
 *   - booleans: `tinyint` on MySQL/MariaDB, `boolean` on SQLite. The one dialect switch: MySQL's
 *     `boolean` alias becomes `tinyint(1)`, which MariaDB reports with a width the entities do not
 *     declare (and MySQL 8 does not report at all), so plain `tinyint` is what diffs clean on both.
 *   - defaults are SQL literals (`0`, `'linux'`), never dialect functions such as
 *     CURRENT_TIMESTAMP(3): the application writes every timestamp itself.
 * Frozen once landed: later changes go in new migrations, and this file never imports entities.
 */

type Dialect = 'mysql' | 'sqlite';
type ColumnExtras = Pick<TableColumnOptions, 'isNullable' | 'default'>;

function dialectOf(queryRunner: QueryRunner): Dialect {
  const type = queryRunner.connection.driver.options.type;
  if (type === 'mysql' || type === 'mariadb') return 'mysql';
  if (type === 'better-sqlite3' || type === 'sqlite') return 'sqlite';
  throw new Error(`InitialSchema: unsupported database type ${type}`);
}

const id = (): TableColumnOptions => ({
  name: 'id',
  type: 'integer',
  isPrimary: true,
  isGenerated: true,
  generationStrategy: 'increment',
});
const int = (name: string, extras: ColumnExtras = {}): TableColumnOptions => ({
  name,
  type: 'integer',
  isNullable: false,
  ...extras,
});
const varchar = (name: string, length: number, extras: ColumnExtras = {}): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable: false,
  ...extras,
});
const text = (name: string, extras: ColumnExtras = {}): TableColumnOptions => ({
  name,
  type: 'text',
  isNullable: false,
  ...extras,
});
const datetime = (name: string, extras: ColumnExtras = {}): TableColumnOptions => ({
  name,
  type: 'datetime',
  precision: 3,
  isNullable: false,
  ...extras,
});
const nullable: ColumnExtras = { isNullable: true };

const fk = (
  table: string,
  column: string,
  referencedTableName: string,
  onDelete: 'CASCADE' | 'SET NULL',
  referencedColumn = 'id',
): TableForeignKey =>
  new TableForeignKey({
    name: `fk_${table}_${column}`,
    columnNames: [column],
    referencedTableName,
    referencedColumnNames: [referencedColumn],
    onDelete,
    onUpdate: 'NO ACTION',
  });
const index = (table: string, columns: string[]): TableIndex =>
  new TableIndex({ name: `idx_${table}_${columns.join('_')}`, columnNames: columns });
const unique = (table: string, columns: string[]): TableUnique =>
  new TableUnique({ name: `uq_${table}_${columns.join('_')}`, columnNames: columns });

/** Parents before children; `down()` walks this list backwards. */
const tables = (dialect: Dialect): Table[] => {
  const bool = (name: string, extras: ColumnExtras = {}): TableColumnOptions => ({
    name,
    type: dialect === 'mysql' ? 'tinyint' : 'boolean',
    isNullable: false,
    ...extras,
  });
  return [
    new Table({
      name: 'users',
      columns: [
        id(),
        varchar('username', 64),
        varchar('password_hash', 255),
        varchar('role', 16),
        bool('is_disabled', { default: '0' }),
        datetime('last_login_at', nullable),
        datetime('created_at'),
        datetime('updated_at'),
      ],
      uniques: [unique('users', ['username'])],
    }),
    new Table({
      name: 'api_tokens',
      columns: [
        id(),
        int('user_id'),
        varchar('name', 100),
        varchar('prefix', 16),
        varchar('token_hash', 64),
        datetime('last_used_at', nullable),
        datetime('expires_at', nullable),
        datetime('revoked_at', nullable),
        datetime('created_at'),
      ],
      uniques: [unique('api_tokens', ['token_hash'])],
      indices: [index('api_tokens', ['user_id'])],
      foreignKeys: [fk('api_tokens', 'user_id', 'users', 'CASCADE')],
    }),
    new Table({
      name: 'zones',
      columns: [
        id(),
        varchar('name', 100),
        varchar('platform', 45, { default: "'linux'" }),
        text('labels'),
        datetime('created_at'),
        datetime('updated_at'),
      ],
      uniques: [unique('zones', ['name'])],
    }),
    new Table({
      name: 'zone_api_keys',
      columns: [
        id(),
        int('zone_id'),
        varchar('name', 100),
        varchar('prefix', 16),
        varchar('secret_hash', 64),
        int('created_by_user_id', nullable),
        datetime('last_used_at', nullable),
        datetime('revoked_at', nullable),
        datetime('created_at'),
      ],
      uniques: [unique('zone_api_keys', ['secret_hash'])],
      indices: [index('zone_api_keys', ['zone_id'])],
      foreignKeys: [
        fk('zone_api_keys', 'zone_id', 'zones', 'CASCADE'),
        fk('zone_api_keys', 'created_by_user_id', 'users', 'SET NULL'),
      ],
    }),
    new Table({
      name: 'join_tokens',
      columns: [
        id(),
        int('zone_id'),
        varchar('token_hash', 64),
        varchar('prefix', 16),
        text('labels'),
        int('max_uses'),
        int('uses', { default: '0' }),
        datetime('expires_at'),
        datetime('revoked_at', nullable),
        int('created_by_user_id', nullable),
        datetime('created_at'),
      ],
      uniques: [unique('join_tokens', ['token_hash'])],
      indices: [index('join_tokens', ['zone_id'])],
      foreignKeys: [
        fk('join_tokens', 'zone_id', 'zones', 'CASCADE'),
        fk('join_tokens', 'created_by_user_id', 'users', 'SET NULL'),
      ],
    }),
    new Table({
      name: 'agents',
      columns: [
        id(),
        int('zone_id'),
        varchar('agent_key', 64),
        varchar('credential_hash', 64),
        varchar('hostname', 255),
        text('ips'),
        int('lan_port'),
        varchar('version', 45),
        varchar('platform', 45),
        text('labels'),
        int('cpu_cores'),
        int('memory_mb', nullable),
        int('disk_mb', nullable),
        int('free_memory_mb', nullable),
        int('free_disk_mb', nullable),
        int('running_tasks', { default: '0' }),
        varchar('state', 16),
        datetime('last_seen_at', nullable),
        datetime('joined_at'),
        datetime('retired_at', nullable),
        datetime('created_at'),
        datetime('updated_at'),
      ],
      uniques: [unique('agents', ['agent_key'])],
      indices: [index('agents', ['zone_id', 'state'])],
      foreignKeys: [fk('agents', 'zone_id', 'zones', 'CASCADE')],
    }),
    new Table({
      name: 'zone_leases',
      columns: [
        { name: 'zone_id', type: 'integer', isPrimary: true, isNullable: false },
        int('agent_id', nullable),
        int('epoch', { default: '0' }),
        datetime('expires_at'),
        datetime('acquired_at'),
        datetime('renewed_at', nullable),
      ],
      foreignKeys: [
        fk('zone_leases', 'zone_id', 'zones', 'CASCADE'),
        fk('zone_leases', 'agent_id', 'agents', 'SET NULL'),
      ],
    }),
    new Table({
      name: 'primary_elections',
      columns: [
        id(),
        int('zone_id'),
        int('agent_id', nullable),
        int('previous_agent_id', nullable),
        int('epoch'),
        varchar('reason', 64),
        datetime('elected_at'),
      ],
      indices: [index('primary_elections', ['zone_id', 'elected_at'])],
      foreignKeys: [
        fk('primary_elections', 'zone_id', 'zones', 'CASCADE'),
        fk('primary_elections', 'agent_id', 'agents', 'SET NULL'),
        fk('primary_elections', 'previous_agent_id', 'agents', 'SET NULL'),
      ],
    }),
    new Table({
      name: 'tasks',
      columns: [
        id(),
        int('zone_id'),
        varchar('name', 100),
        varchar('task_type', 16),
        varchar('status', 32),
        varchar('target_kind', 16),
        varchar('target_agent_key', 64, nullable),
        text('target_labels', nullable),
        bool('exe_agent_changeable'),
        datetime('schedule_at', nullable),
        varchar('cron', 100, nullable),
        varchar('time_zone', 64, { default: "'UTC'" }),
        datetime('until_at', nullable),
        int('timeout_seconds', { default: '0' }),
        int('max_retries', { default: '0' }),
        int('retry_backoff_seconds', { default: '10' }),
        int('attempt', { default: '0' }),
        varchar('overlap_policy', 16, { default: "'skip'" }),
        text('parameter'),
        varchar('callback_url', 2048, nullable),
        bool('show_log'),
        varchar('event_filter', 32),
        int('total_step_count'),
        int('current_step', { default: '0' }),
        int('failed_step', nullable),
        bool('has_recover'),
        bool('is_failed_recover', { default: '0' }),
        text('result', nullable),
        varchar('exe_agent_key', 64, nullable),
        datetime('next_run_at', nullable),
        int('created_by_user_id', nullable),
        datetime('finished_at', nullable),
        datetime('created_at'),
        datetime('updated_at'),
      ],
      indices: [
        index('tasks', ['zone_id', 'status']),
        index('tasks', ['status', 'next_run_at']),
        index('tasks', ['created_at']),
      ],
      foreignKeys: [
        fk('tasks', 'zone_id', 'zones', 'CASCADE'),
        fk('tasks', 'created_by_user_id', 'users', 'SET NULL'),
      ],
    }),
    new Table({
      name: 'task_steps',
      columns: [
        id(),
        int('task_id'),
        int('seq'),
        varchar('command_name', 100),
        varchar('command_type', 16),
        text('command'),
        bool('is_recover'),
      ],
      uniques: [unique('task_steps', ['task_id', 'seq'])],
      foreignKeys: [fk('task_steps', 'task_id', 'tasks', 'CASCADE')],
    }),
    new Table({
      name: 'task_runs',
      columns: [
        id(),
        int('task_id'),
        int('zone_id'),
        int('agent_id', nullable),
        varchar('agent_key', 64, nullable),
        int('attempt'),
        varchar('status', 32),
        int('lease_epoch', nullable),
        int('current_step', { default: '0' }),
        int('failed_step', nullable),
        text('result', nullable),
        text('error', nullable),
        datetime('started_at', nullable),
        datetime('finished_at', nullable),
        datetime('heartbeat_at', nullable),
        datetime('created_at'),
        datetime('updated_at'),
      ],
      indices: [index('task_runs', ['task_id']), index('task_runs', ['status', 'heartbeat_at'])],
      foreignKeys: [
        fk('task_runs', 'task_id', 'tasks', 'CASCADE'),
        fk('task_runs', 'zone_id', 'zones', 'CASCADE'),
        fk('task_runs', 'agent_id', 'agents', 'SET NULL'),
      ],
    }),
    new Table({
      name: 'task_log_chunks',
      columns: [
        { name: 'run_id', type: 'integer', isPrimary: true, isNullable: false },
        { name: 'seq', type: 'integer', isPrimary: true, isNullable: false },
        int('task_id'),
        int('step_seq', nullable),
        varchar('stream', 8),
        text('content'),
        datetime('created_at'),
      ],
      indices: [index('task_log_chunks', ['task_id'])],
      foreignKeys: [
        fk('task_log_chunks', 'run_id', 'task_runs', 'CASCADE'),
        fk('task_log_chunks', 'task_id', 'tasks', 'CASCADE'),
      ],
    }),
    new Table({
      name: 'credentials',
      columns: [
        id(),
        int('zone_id'),
        varchar('credential_key', 100),
        text('value_ciphertext'),
        datetime('created_at'),
        datetime('updated_at'),
      ],
      uniques: [unique('credentials', ['zone_id', 'credential_key'])],
      foreignKeys: [fk('credentials', 'zone_id', 'zones', 'CASCADE')],
    }),
    new Table({
      name: 'events',
      columns: [
        id(),
        varchar('type', 64),
        int('schema_version'),
        // No foreign keys on purpose: events outlive the zones, tasks and agents they mention.
        int('zone_id', nullable),
        int('task_id', nullable),
        int('agent_id', nullable),
        text('payload'),
        datetime('occurred_at'),
        datetime('published_at', nullable),
      ],
      indices: [
        index('events', ['published_at', 'id']),
        index('events', ['zone_id', 'id']),
        index('events', ['task_id', 'id']),
      ],
    }),
    new Table({
      name: 'webhook_subscriptions',
      columns: [
        id(),
        int('zone_id', nullable),
        varchar('url', 2048),
        text('event_types'),
        text('secret_ciphertext'),
        bool('is_active', { default: '1' }),
        int('created_by_user_id', nullable),
        datetime('created_at'),
        datetime('updated_at'),
      ],
      foreignKeys: [
        fk('webhook_subscriptions', 'zone_id', 'zones', 'CASCADE'),
        fk('webhook_subscriptions', 'created_by_user_id', 'users', 'SET NULL'),
      ],
    }),
    new Table({
      name: 'webhook_deliveries',
      columns: [
        id(),
        int('subscription_id'),
        int('event_id'),
        varchar('status', 16),
        int('attempts', { default: '0' }),
        datetime('next_attempt_at', nullable),
        int('last_response_code', nullable),
        varchar('last_error', 500, nullable),
        datetime('delivered_at', nullable),
        datetime('created_at'),
        datetime('updated_at'),
      ],
      uniques: [unique('webhook_deliveries', ['subscription_id', 'event_id'])],
      indices: [index('webhook_deliveries', ['status', 'next_attempt_at'])],
      foreignKeys: [
        fk('webhook_deliveries', 'subscription_id', 'webhook_subscriptions', 'CASCADE'),
        fk('webhook_deliveries', 'event_id', 'events', 'CASCADE'),
      ],
    }),
    new Table({
      name: 'worker_locks',
      columns: [
        { name: 'name', type: 'varchar', length: '64', isPrimary: true, isNullable: false },
        varchar('holder', 128),
        int('epoch'),
        datetime('expires_at'),
        datetime('acquired_at'),
      ],
    }),
    new Table({
      name: 'audit_logs',
      columns: [
        id(),
        int('user_id', nullable),
        varchar('username', 64),
        varchar('action', 64),
        varchar('target_type', 32),
        varchar('target_id', 64, nullable),
        // A copy, not a foreign key: the audit trail outlives the zone.
        int('zone_id', nullable),
        text('details', nullable),
        varchar('ip', 64, nullable),
        datetime('created_at'),
      ],
      indices: [index('audit_logs', ['created_at'])],
      foreignKeys: [fk('audit_logs', 'user_id', 'users', 'SET NULL')],
    }),
  ];
};

export class InitialSchema1763800000000 implements MigrationInterface {
  name = 'InitialSchema1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of tables(dialectOf(queryRunner))) {
      // ifNotExist=false, createForeignKeys=true, createIndices=true
      await queryRunner.createTable(table, false, true, true);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of tables(dialectOf(queryRunner)).reverse()) {
      await queryRunner.dropTable(table.name, false, true, true);
    }
  }
}
