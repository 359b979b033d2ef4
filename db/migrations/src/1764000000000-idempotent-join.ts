import { TableColumn, TableIndex } from 'typeorm';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Idempotent join: the agent sends a join id it chose with every attempt of one join, so a retried
 * join (its first answer lost or late) finds the agent the first attempt made instead of making
 * another and spending the join token again.
 *   - agents.join_id: that id; unique per zone (NULLs, agents that joined without one, never clash
 *     on MySQL/MariaDB nor SQLite), so two attempts racing with one id make one agent;
 *   - agents.join_token_id: the join token whose use made the agent, so a retry may present that
 *     token even once it is used up. A copy, not a foreign key (tokens go only with their zone,
 *     which takes its agents along), which also keeps down() on SQLite a plain DROP COLUMN;
 *   - agents.first_session_at: from then on the join id is spent (a replay is refused);
 *   - agents.join_attempt_at: when the attempt whose credential is current arrived, so a stale
 *     attempt processed after its retry cannot replace the credential the agent kept.
 * Existing agents get NULLs: they joined without a join id, so nothing can replay their join.
 * Types as in the initial schema (integer, varchar, datetime(3)), valid on MySQL/MariaDB and SQLite.
 * Frozen once landed; never imports entities.
 */

const joinIdIndex = new TableIndex({
  name: 'uq_agents_zone_id_join_id',
  columnNames: ['zone_id', 'join_id'],
  isUnique: true,
});
const columns = () => [
  new TableColumn({ name: 'join_id', type: 'varchar', length: '64', isNullable: true }),
  new TableColumn({ name: 'join_token_id', type: 'integer', isNullable: true }),
  new TableColumn({ name: 'first_session_at', type: 'datetime', precision: 3, isNullable: true }),
  new TableColumn({ name: 'join_attempt_at', type: 'datetime', precision: 3, isNullable: true }),
];

export class IdempotentJoin1764000000000 implements MigrationInterface {
  name = 'IdempotentJoin1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // On SQLite TypeORM rebuilds the table; `runMigrations` turns foreign keys off around it, so
    // the rows that refer to agents (leases, elections, runs) keep their references.
    await queryRunner.addColumns('agents', columns());
    await queryRunner.createIndex('agents', joinIdIndex);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('agents', joinIdIndex.name as string);
    const type = queryRunner.connection.driver.options.type;
    if (type === 'better-sqlite3' || type === 'sqlite') {
      // Not TypeORM's table rebuild: a revert runs inside a transaction, where SQLite cannot turn
      // foreign keys off, so dropping the old table would null every reference to an agent. None
      // of these columns is in an index or a key any more, so SQLite drops them in place.
      for (const column of columns().reverse()) {
        await queryRunner.query(`ALTER TABLE "agents" DROP COLUMN "${column.name}"`);
      }
      return;
    }
    await queryRunner.dropColumns(
      'agents',
      columns()
        .reverse()
        .map((column) => column.name),
    );
  }
}
