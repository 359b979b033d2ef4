import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * Whether a row whose `column` equals `value` ignoring case exists (within `scope`, except `exceptId`).
 * Names that differ only in case (zones, usernames, credential keys) are refused on every database
 * alike: MariaDB's default collation already treats them as equal, SQLite would not.
 */
export async function existsIgnoringCase<T extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<T>,
  column: string,
  value: string,
  options: { scope?: Record<string, number>; exceptId?: number } = {},
): Promise<boolean> {
  const query = manager
    .createQueryBuilder(entity, 'row')
    .where(`LOWER(row.${column}) = LOWER(:value)`, { value });
  for (const [name, scoped] of Object.entries(options.scope ?? {})) {
    query.andWhere(`row.${name} = :${name}`, { [name]: scoped });
  }
  if (options.exceptId !== undefined) query.andWhere('row.id <> :exceptId', { exceptId: options.exceptId });
  return (await query.getCount()) > 0;
}
