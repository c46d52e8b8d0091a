import type { Kysely } from 'kysely';
import type { Page } from '../../common/pagination.js';
import type { Product, ProductListQuery } from './contract.js';
import { findProduct, findProducts, listProducts } from './repository.js';
import type { ProductDb } from './schema.js';

/** The catalog as the API reads it, through the product service's reader role. */
export interface ProductReads {
  product(sku: string): Promise<Product | undefined>;
  products(skus: readonly string[]): Promise<Map<string, Product>>;
  list(query: ProductListQuery): Promise<Page<Product>>;
}

/** Takes a connection to the service's schema; its tables are the service's own business. */
export function createProductReads<DB>(connection: Kysely<DB>): ProductReads {
  const db = connection as unknown as ProductDb;
  return {
    product: (sku) => findProduct(db, sku),
    products: (skus) => findProducts(db, skus),
    list: (query) => listProducts(db, query),
  };
}
