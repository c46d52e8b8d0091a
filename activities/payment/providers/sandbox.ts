import { z } from 'zod';
import { ProviderRefusal, type PaymentProvider } from '../provider.js';

/**
 * The payment provider port over the payment sandbox's API (dev/payment-sandbox/app.ts documents
 * it): the development and test stand-in, a server of its own like a real provider.
 */
export interface SandboxProviderConfig {
  /** PAYMENT_SANDBOX_URL, e.g. http://127.0.0.1:9470 */
  url: string;
  /** One call's bound (PAYMENT_PROVIDER_TIMEOUT_MS); a slower call is retried with the same key. */
  timeoutMs: number;
}

const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), declineCode: z.string().optional() }) });
const authorised = z.object({ id: z.string(), status: z.literal('AUTHORISED'), amountCents: z.number().int(), currency: z.string(), expiresAt: z.string() });
const made = z.object({ id: z.string() });

const ledgerEntry = z.object({
  id: z.string(),
  kind: z.enum(['authorisation', 'decline', 'capture', 'void', 'refund']),
  orderId: z.string(),
  authorisationId: z.string().nullable(),
  amountCents: z.number().int(),
  currency: z.string(),
  idempotencyKey: z.string(),
  at: z.string(),
});
export type SandboxLedgerEntry = z.infer<typeof ledgerEntry>;

interface Answer {
  status: number;
  body: unknown;
  /** Names the call in errors: `POST http://127.0.0.1:9470/v1/authorisations`. */
  call: string;
}

/**
 * One call to the sandbox. A network fault, a timeout, a 5xx or a 429 throws an ordinary Error
 * naming the call (the activity retries it with the same key); any other answer is returned.
 */
async function send(baseUrl: string, timeoutMs: number, method: 'GET' | 'POST', path: string, options: { idempotencyKey?: string; body?: unknown } = {}): Promise<Answer> {
  const url = new URL(path, baseUrl);
  const call = `${method} ${url.href}`;
  let status: number;
  let text: string;
  try {
    const response = await fetch(url, {
      method,
      headers: {
        Accept: 'application/json',
        ...(options.body !== undefined && { 'Content-Type': 'application/json' }),
        ...(options.idempotencyKey !== undefined && { 'Idempotency-Key': options.idempotencyKey }),
      },
      ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : networkReason(error);
    throw new Error(`payment sandbox ${call}: ${reason}`, { cause: error });
  }
  if (status >= 500 || status === 429) throw new Error(`payment sandbox ${call}: answered ${status} ${text.slice(0, 200)}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status, body, call };
}

/** undici's `fetch failed` says little; its cause says what happened (connect ECONNREFUSED 127.0.0.1:9470, other side closed). */
function networkReason(error: unknown): string {
  const cause = (error as Error).cause;
  return cause instanceof Error ? cause.message : (error as Error).message;
}

/** A 4xx the sandbox means for good: ProviderRefusal, marked expired for an expired authorisation. */
function refusal({ status, body, call }: Answer): ProviderRefusal {
  const parsed = errorBody.safeParse(body);
  if (!parsed.success) return new ProviderRefusal(`http_${status}`, `payment sandbox ${call}: answered ${status} ${JSON.stringify(body).slice(0, 200)}`);
  const { code, message } = parsed.data.error;
  return new ProviderRefusal(code, message, code === 'authorisation_expired');
}

/** The body of a 2xx as `schema` describes it; anything else is refused. */
function accepted<S extends z.ZodType>(answer: Answer, schema: S): z.infer<S> {
  if (answer.status < 200 || answer.status >= 300) throw refusal(answer);
  const parsed = schema.safeParse(answer.body);
  if (!parsed.success) throw new Error(`payment sandbox ${answer.call}: unexpected answer ${JSON.stringify(answer.body).slice(0, 200)}`);
  return parsed.data;
}

export function createSandboxProvider({ url, timeoutMs }: SandboxProviderConfig): PaymentProvider {
  const post = (path: string, idempotencyKey: string, body?: unknown) => send(url, timeoutMs, 'POST', path, { idempotencyKey, body });
  const authorisation = (id: string, action: string) => `/v1/authorisations/${encodeURIComponent(id)}/${action}`;
  return {
    name: 'sandbox',
    async authorise({ idempotencyKey, orderId, amountCents, currency, method }) {
      const answer = await post('/v1/authorisations', idempotencyKey, { orderId, amountCents, currency, method });
      if (answer.status === 402) {
        const declined = errorBody.safeParse(answer.body);
        if (declined.success) return { ok: false, declineCode: declined.data.error.declineCode ?? declined.data.error.code, message: declined.data.error.message };
      }
      const held = accepted(answer, authorised);
      return { ok: true, authorisationId: held.id, amountCents: held.amountCents, currency: held.currency, expiresAt: held.expiresAt };
    },
    async capture({ authorisationId, amountCents, idempotencyKey }) {
      const { id } = accepted(await post(authorisation(authorisationId, 'capture'), idempotencyKey, { amountCents }), made);
      return { captureId: id };
    },
    async void({ authorisationId, idempotencyKey }) {
      accepted(await post(authorisation(authorisationId, 'void'), idempotencyKey), made);
    },
    async refund({ authorisationId, amountCents, idempotencyKey }) {
      const { id } = accepted(await post(authorisation(authorisationId, 'refunds'), idempotencyKey, { amountCents }), made);
      return { refundId: id };
    },
  };
}

/** The sandbox's ledger for one order, oldest first: what it authorised, declined, captured, voided and refunded. */
export async function sandboxLedger(url: string, orderId: string, timeoutMs = 10_000): Promise<SandboxLedgerEntry[]> {
  const answer = await send(url, timeoutMs, 'GET', `/v1/ledger?${new URLSearchParams({ orderId })}`);
  return accepted(answer, z.object({ entries: z.array(ledgerEntry) })).entries;
}
