import { sql } from 'kysely';
import { z } from 'zod';
import { SKU_PATTERN, type NewProduct, type Product, type ProductChanges, type ProductListQuery } from './contract.js';
import { decodeCursor, toPage, type Page } from '../../common/pagination.js';
import type { ProductDb, ProductRow } from './schema.js';

function toProduct(row: ProductRow): Product {
  return {
    sku: row.sku,
    name: row.name,
    description: row.description,
    priceCents: row.price_cents,
    currency: row.currency,
    active: row.active,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function findProduct(db: ProductDb, sku: string): Promise<Product | undefined> {
  const row = await db.selectFrom('products').selectAll().where('sku', '=', sku).executeTakeFirst();
  return row && toProduct(row);
}

export async function findProducts(db: ProductDb, skus: readonly string[]): Promise<Map<string, Product>> {
  if (skus.length === 0) return new Map();
  const rows = await db.selectFrom('products').selectAll().where('sku', 'in', [...skus]).execute();
  return new Map(rows.map((row) => [row.sku, toProduct(row)]));
}

const SkuCursor = z.string().regex(SKU_PATTERN);

export async function listProducts(db: ProductDb, query: ProductListQuery): Promise<Page<Product>> {
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, SkuCursor);

  let select = db.selectFrom('products').selectAll().where('active', '=', true).orderBy('sku').limit(query.limit + 1);
  if (after !== undefined) select = select.where('sku', '>', after);
  if (query.q) {
    const pattern = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    select = select.where((eb) => eb.or([eb('name', 'ilike', pattern), eb('sku', 'ilike', pattern)]));
  }
  return toPage(await select.execute(), query.limit, toProduct, (row) => row.sku);
}

/** Inserts a product; returns false when the SKU already exists (the caller decides if that is a conflict). */
export async function insertProduct(db: ProductDb, product: NewProduct): Promise<boolean> {
  const result = await db
    .insertInto('products')
    .values({
      sku: product.sku,
      name: product.name,
      description: product.description ?? '',
      price_cents: product.priceCents,
      currency: product.currency,
    })
    .onConflict((oc) => oc.column('sku').doNothing())
    .executeTakeFirst();
  return result.numInsertedOrUpdatedRows === 1n;
}

export async function updateProduct(db: ProductDb, sku: string, changes: ProductChanges): Promise<Product | undefined> {
  const row = await db
    .updateTable('products')
    .set({
      ...(changes.name !== undefined && { name: changes.name }),
      ...(changes.description !== undefined && { description: changes.description }),
      ...(changes.priceCents !== undefined && { price_cents: changes.priceCents }),
      ...(changes.active !== undefined && { active: changes.active }),
      updated_at: sql<Date>`now()`,
    })
    .where('sku', '=', sku)
    .returningAll()
    .executeTakeFirst();
  return row && toProduct(row);
}
