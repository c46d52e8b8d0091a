import { appendFileSync, existsSync, mkdirSync, readFileSync, truncateSync } from 'node:fs';
import path from 'node:path';

export type LedgerKind = 'authorisation' | 'decline' | 'capture' | 'void' | 'refund';

/** One step the sandbox took, as GET /v1/ledger answers it. */
export interface LedgerEntry {
  id: string;
  kind: LedgerKind;
  orderId: string;
  /** null for a decline: no authorisation was made. */
  authorisationId: string | null;
  amountCents: number;
  currency: string;
  idempotencyKey: string;
  at: string;
}

/** The first answer to a request, kept under its Idempotency-Key and answered again to a repeat. */
export interface StoredResponse {
  idempotencyKey: string;
  /** The request's method, path and body: a repeat must match it. */
  fingerprint: string;
  status: number;
  body: unknown;
}

/**
 * One handled request: its answer and the entry it made (a refusal makes none). One line of the
 * ledger file, so that an entry is never on file without the answer that replays it, nor the
 * other way round. `expiresAt` comes with an authorisation.
 */
export interface Step {
  response: StoredResponse;
  entry?: LedgerEntry;
  expiresAt?: string;
}

/** An authorisation's state, folded from its entries. */
export interface HeldAuthorisation {
  id: string;
  orderId: string;
  amountCents: number;
  currency: string;
  expiresAt: string;
  capturedCents: number | null;
  voided: boolean;
  refundedCents: number;
}

export interface Ledger {
  /** The first answer given under `idempotencyKey`, if any. */
  answer(idempotencyKey: string): StoredResponse | undefined;
  authorisation(id: string): HeldAuthorisation | undefined;
  /** Every entry, or one order's, oldest first. */
  entries(orderId?: string): LedgerEntry[];
  /** Writes the step to the file (if any), then takes it into memory: a failed write changes nothing. */
  record(step: Step): void;
}

/**
 * The sandbox's whole state: every step in order, replayed from `file` at start and appended to it
 * (one JSON line each) as it happens. Without a file it lives in memory only. Writes are
 * synchronous: the answer goes out only once its line is written, and no other request runs
 * between a decision and its record.
 */
export function openLedger(file?: string): Ledger {
  const answers = new Map<string, StoredResponse>();
  const authorisations = new Map<string, HeldAuthorisation>();
  const entries: LedgerEntry[] = [];

  const apply = ({ response, entry, expiresAt }: Step) => {
    answers.set(response.idempotencyKey, response);
    if (!entry) return;
    entries.push(entry);
    const held = entry.authorisationId === null ? undefined : authorisations.get(entry.authorisationId);
    switch (entry.kind) {
      case 'authorisation':
        authorisations.set(entry.id, {
          id: entry.id,
          orderId: entry.orderId,
          amountCents: entry.amountCents,
          currency: entry.currency,
          expiresAt: expiresAt!,
          capturedCents: null,
          voided: false,
          refundedCents: 0,
        });
        break;
      case 'capture':
        held!.capturedCents = entry.amountCents;
        break;
      case 'void':
        held!.voided = true;
        break;
      case 'refund':
        held!.refundedCents += entry.amountCents;
        break;
      case 'decline':
        break;
    }
  };

  if (file) {
    mkdirSync(path.dirname(file), { recursive: true });
    for (const step of readSteps(file)) apply(step);
  }

  return {
    answer: (idempotencyKey) => answers.get(idempotencyKey),
    authorisation: (id) => authorisations.get(id),
    entries: (orderId) => (orderId === undefined ? [...entries] : entries.filter((entry) => entry.orderId === orderId)),
    record(step) {
      if (file) appendFileSync(file, `${JSON.stringify(step)}\n`);
      apply(step);
    },
  };
}

/**
 * The file's steps. A last line without its newline is a write the process died in the middle of:
 * it was never answered, so it is cut off (and the next line starts clean). Any other line that
 * does not parse stops the start: a ledger is not guessed at.
 */
function readSteps(file: string): Step[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  if (complete.length < text.length) truncateSync(file, Buffer.byteLength(complete));
  return complete
    .split('\n')
    .slice(0, -1)
    .map((line, index) => {
      try {
        return JSON.parse(line) as Step;
      } catch (error) {
        throw new Error(`payment sandbox ledger ${file}, line ${index + 1}: not a ledger line (${(error as Error).message})`, { cause: error });
      }
    });
}
