import { sql, type AliasedRawBuilder } from 'kysely';

/**
 * Rows as a `VALUES` list to join against, so that a statement handles every line of an order in
 * one round trip: `values(lines, 'l', { sku: 'text', quantity: 'int' })` is
 * `(values ($1::text, $2::int), ...) as "l"("sku", "quantity")`. Each value is cast to its column
 * type (parameters in a VALUES list are otherwise text). Kysely's recipe, typed.
 */
export function values<R extends Record<string, unknown>, A extends string>(records: readonly R[], alias: A, types: { [K in keyof R]: 'text' | 'int' }): AliasedRawBuilder<R, A> {
  if (records.length === 0) throw new Error('values() needs at least one row');
  const keys = Object.keys(types) as Array<keyof R & string>;
  const rows = sql.join(records.map((record) => sql`(${sql.join(keys.map((key) => sql`${record[key]}::${sql.raw(types[key])}`))})`));
  return sql<R>`(values ${rows})`.as<A>(sql`${sql.ref(alias)}(${sql.join(keys.map((key) => sql.ref(key)))})`);
}
