import { Table, TableColumn, TableForeignKey, TableIndex } from 'typeorm';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Webhook dispatch and task callbacks:
 *   - webhook_subscriptions.task_id: a task's callback URL is a subscription of its own (one per
 *     task, removed with the task), so callbacks reuse the signing, retries and delivery log;
 *   - webhook_deliveries.task_id: copied from the event, so "no delivery of a task's event while an
 *     earlier one of the same task is pending for this subscription" is one indexed lookup;
 *   - event_cursors: how far a consumer of the outbox (the webhook fan-out) has read, by event id.
 * Types as in the initial schema (integer, varchar, datetime(3)), valid on MySQL/MariaDB and SQLite.
 * Frozen once landed; never imports entities.
 */

const subscriptionTaskIndex = new TableIndex({
  name: 'uq_webhook_subscriptions_task_id',
  columnNames: ['task_id'],
  isUnique: true,
});
const subscriptionTaskKey = new TableForeignKey({
  name: 'fk_webhook_subscriptions_task_id',
  columnNames: ['task_id'],
  referencedTableName: 'tasks',
  referencedColumnNames: ['id'],
  onDelete: 'CASCADE',
  onUpdate: 'NO ACTION',
});
const deliveryTaskIndex = new TableIndex({
  name: 'idx_webhook_deliveries_subscription_id_task_id_event_id',
  columnNames: ['subscription_id', 'task_id', 'event_id'],
});
const taskIdColumn = () => new TableColumn({ name: 'task_id', type: 'integer', isNullable: true });

export class WebhookDispatch1763900000000 implements MigrationInterface {
  name = 'WebhookDispatch1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('webhook_subscriptions', taskIdColumn());
    await queryRunner.createIndex('webhook_subscriptions', subscriptionTaskIndex);
    await queryRunner.createForeignKey('webhook_subscriptions', subscriptionTaskKey);
    await queryRunner.addColumn('webhook_deliveries', taskIdColumn());
    await queryRunner.createIndex('webhook_deliveries', deliveryTaskIndex);
    await queryRunner.createTable(
      new Table({
        name: 'event_cursors',
        columns: [
          { name: 'name', type: 'varchar', length: '64', isPrimary: true, isNullable: false },
          { name: 'last_event_id', type: 'integer', isNullable: false },
          { name: 'updated_at', type: 'datetime', precision: 3, isNullable: false },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('event_cursors');
    await queryRunner.dropIndex('webhook_deliveries', deliveryTaskIndex.name as string);
    await queryRunner.dropColumn('webhook_deliveries', 'task_id');
    await queryRunner.dropForeignKey('webhook_subscriptions', subscriptionTaskKey.name as string);
    await queryRunner.dropIndex('webhook_subscriptions', subscriptionTaskIndex.name as string);
    await queryRunner.dropColumn('webhook_subscriptions', 'task_id');
  }
}
