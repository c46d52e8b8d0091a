import { randomUUID } from 'node:crypto';

/** What a burst's clients saw: every answer's status (503s included), and any 5xx the API should never send. */
export interface BurstReport {
  orderIds: string[];
  /** Every HTTP answer, by status: 202s, and 503s that were retried. */
  statuses: Record<string, number>;
  /** Orders not accepted, and why: an answer other than 202 once 503s with Retry-After were waited out (a 5xx, a 4xx), or no answer at all. */
  unexpected: string[];
}

interface Shop {
  apiUrl: string;
  token(sub: string): Promise<string>;
}

/** The answer a client ended with for one order, and the status of every answer it got. */
export interface Placed {
  status: number;
  body: { orderId?: string; status?: string };
  /** Each answer's status, in order (503s retried, then the last). */
  answers: number[];
}

/**
 * One order as a client places it: one Idempotency-Key for every attempt; a 503 with Retry-After
 * (Temporal out of reach for a moment) is sent again after the wait it asks for, up to 30 times.
 * Resolves with the first other answer; rejects when there is no answer at all, or no JSON.
 */
export async function placeAsAClient(apiUrl: string, token: string, body: unknown, headers: Record<string, string> = {}): Promise<Placed> {
  const key = randomUUID();
  const answers: number[] = [];
  for (;;) {
    const response = await fetch(`${apiUrl}/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key, ...headers },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as Placed['body'];
    answers.push(response.status);
    const retryAfter = response.headers.get('retry-after');
    if (response.status !== 503 || !retryAfter || answers.length >= 30) return { status: response.status, body: answer, answers };
    await new Promise((resolve) => setTimeout(resolve, 1_000 * Number(retryAfter)));
  }
}

/**
 * `count` one-line orders for `sku` from `customers` customers, ten every quarter second, each
 * placed as a client does (placeAsAClient), paid with `payment` when given. Calls `onAccepted`
 * with the count as orders are accepted (the moment to break something).
 */
export async function burstOfClients(
  shop: Shop,
  sku: string,
  { count, customers, payment, onAccepted = () => {} }: { count: number; customers: number; payment?: { method: string }; onAccepted?: (accepted: number) => void },
): Promise<BurstReport> {
  const statuses: Record<string, number> = {};
  const unexpected: string[] = [];
  const tokens = await Promise.all(Array.from({ length: customers }, (_, i) => shop.token(`burst-customer-${i}`)));
  let accepted = 0;
  const place = async (i: number): Promise<string | undefined> => {
    try {
      const placed = await placeAsAClient(shop.apiUrl, tokens[i % customers]!, { lines: [{ sku, quantity: 1 }], ...(payment && { payment }) });
      for (const status of placed.answers) statuses[status] = (statuses[status] ?? 0) + 1;
      if (placed.status === 202) {
        onAccepted(++accepted);
        return placed.body.orderId!;
      }
      unexpected.push(`order ${i}: answers ${placed.answers.join(', ')}, the last ${JSON.stringify(placed.body)}`);
    } catch (error) {
      // No answer, or not JSON: the API was not there, which a client cannot act on either.
      unexpected.push(`order ${i}: ${String(error)}`);
    }
    return undefined;
  };
  const placing: Array<Promise<string | undefined>> = [];
  for (let i = 0; i < count; i++) {
    placing.push(place(i));
    if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const orderIds = (await Promise.all(placing)).filter((id): id is string => id !== undefined);
  return { orderIds, statuses, unexpected };
}
