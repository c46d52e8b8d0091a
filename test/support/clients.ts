import { randomUUID } from 'node:crypto';

/** What a burst's clients saw: every answer's status (503s included), and any 5xx the API should never send. */
export interface BurstReport {
  orderIds: string[];
  /** Every HTTP answer, by status: 202s, and 503s that were retried. */
  statuses: Record<string, number>;
  /** Answers no client can act on: a 5xx other than 503 with Retry-After. */
  unexpected: string[];
}

interface Shop {
  apiUrl: string;
  token(sub: string): Promise<string>;
}

/**
 * `count` one-line orders for `sku` from `customers` customers, as clients send them: ten every
 * quarter second, each with its own Idempotency-Key; a 503 (Temporal unreachable for a moment) is
 * retried after its Retry-After with the same key, as the API asks. Calls `onAccepted` with the
 * count as orders are accepted (the moment to break something).
 */
export async function burstOfClients(shop: Shop, sku: string, { count, customers, onAccepted = () => {} }: { count: number; customers: number; onAccepted?: (accepted: number) => void }): Promise<BurstReport> {
  const statuses: Record<string, number> = {};
  const unexpected: string[] = [];
  const tokens = await Promise.all(Array.from({ length: customers }, (_, i) => shop.token(`burst-customer-${i}`)));
  let accepted = 0;
  const place = async (i: number): Promise<string> => {
    const key = randomUUID();
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      let body: { orderId?: string };
      try {
        response = await fetch(`${shop.apiUrl}/orders`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tokens[i % customers]}`, 'content-type': 'application/json', 'idempotency-key': key },
          body: JSON.stringify({ lines: [{ sku, quantity: 1 }] }),
        });
        body = (await response.json()) as { orderId?: string };
      } catch (error) {
        // No answer, or not JSON: the API was not there, which a client cannot act on either.
        unexpected.push(`order ${i}, attempt ${attempt}: ${String(error)}`);
        throw error;
      }
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      const retryAfter = response.headers.get('retry-after');
      if (response.status === 202) {
        onAccepted(++accepted);
        return body.orderId!;
      }
      if (response.status !== 503 || !retryAfter || attempt >= 30) {
        unexpected.push(`order ${i}, attempt ${attempt}: ${response.status} (Retry-After ${retryAfter ?? 'none'}) ${JSON.stringify(body)}`);
        throw new Error(unexpected.at(-1));
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000 * Number(retryAfter)));
    }
  };
  const placing: Array<Promise<string>> = [];
  for (let i = 0; i < count; i++) {
    placing.push(place(i));
    if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const settled = await Promise.allSettled(placing);
  return { orderIds: settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : [])), statuses, unexpected };
}
