import { z } from 'zod';

/** A cursor that this API did not hand out (or one tampered with): the client's mistake, a 400. */
export class InvalidCursorError extends Error {
  constructor() {
    super('cursor is not valid');
  }
}

/** Opaque list cursors: base64url JSON of the last item's sort key. */
export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * Decodes a cursor and checks its key against the schema, so that nothing a client makes up
 * (a NUL, a non-UUID, a year -271821) ever reaches a query: throws InvalidCursorError.
 */
export function decodeCursor<S extends z.ZodType>(cursor: string, key: S): z.infer<S> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  const parsed = key.safeParse(value);
  if (!parsed.success) throw new InvalidCursorError();
  return parsed.data;
}

/**
 * A sort key's instant in a cursor, as the API writes it (UTC): one PostgreSQL can read, so year
 * 0000 (which it has not) is not one.
 */
export const cursorInstant = () => z.iso.datetime().refine((value) => !value.startsWith('0000-'));

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Given limit + 1 rows, returns the page and the cursor for the next one. */
export function toPage<Row, Item>(rows: Row[], limit: number, toItem: (row: Row) => Item, keyOf: (row: Row) => unknown): Page<Item> {
  const pageRows = rows.slice(0, limit);
  const last = pageRows.at(-1);
  return {
    items: pageRows.map(toItem),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
}
