import Table from 'cli-table3';

/** Writes a value as indented JSON on stdout (the `--json` output, for scripts). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Writes a plain table (no colours, so that it reads the same in a pipe or a log). */
export function printTable(head: string[], rows: (string | number)[][]): void {
  // No line between rows: compact enough for a terminal of orders.
  const table = new Table({ head, style: { head: [], border: [] }, chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' } });
  table.push(...rows.map((row) => row.map(String)));
  process.stdout.write(`${table.toString()}\n`);
}

/** `label: value` lines, aligned, for one record. */
export function printFields(fields: [label: string, value: string | number][]): void {
  const width = Math.max(...fields.map(([label]) => label.length));
  for (const [label, value] of fields) process.stdout.write(`${`${label}:`.padEnd(width + 2)}${value}\n`);
}

/** Integer minor units in their currency's format: 4500 EUR → "€45.00", 500 JPY → "¥500". */
export function formatMoney(cents: number | null, currency: string | null): string {
  if (cents === null || currency === null) return '-';
  const format = new Intl.NumberFormat('en', { style: 'currency', currency });
  return format.format(cents / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
}

/** An ISO timestamp without its milliseconds, in UTC: readable and sortable. */
export function formatTime(iso: string | null): string {
  return iso === null ? '-' : iso.replace(/\.\d+Z$/, 'Z').replace('T', ' ');
}

/** A hint for the next page on stderr, so that stdout stays the table. */
export function printNextPageHint(nextCursor: string | null): void {
  if (nextCursor) process.stderr.write(`more: add --cursor ${nextCursor}\n`);
}
