import { sql, type Kysely } from 'kysely';

// Units that will never ship going back on hand are a ledger kind of their own, keyed once per (order, SKU).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE inventory.movements
      DROP CONSTRAINT movements_kind_check,
      ADD CONSTRAINT movements_kind_check CHECK (kind IN ('INITIAL', 'ADJUSTMENT', 'RESERVE', 'RELEASE', 'COMMIT', 'RETURN', 'UNSHIPPED'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE inventory.movements
      DROP CONSTRAINT movements_kind_check,
      ADD CONSTRAINT movements_kind_check CHECK (kind IN ('INITIAL', 'ADJUSTMENT', 'RESERVE', 'RELEASE', 'COMMIT', 'RETURN'))`.execute(db);
}
