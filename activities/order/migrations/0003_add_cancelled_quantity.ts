import { sql, type Kysely } from 'kysely';

// A line's units that will never ship (its fulfilment window closed on them): 0 until then, set
// once per order. The check, named so that its failure says which, keeps them within what was ordered.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE orders.order_lines
      ADD COLUMN cancelled_quantity integer NOT NULL DEFAULT 0
        CONSTRAINT order_lines_cancelled_quantity_check CHECK (cancelled_quantity >= 0 AND cancelled_quantity <= quantity)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE orders.order_lines DROP COLUMN cancelled_quantity`.execute(db);
}
