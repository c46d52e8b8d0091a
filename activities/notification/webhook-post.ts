import http from 'node:http';
import https from 'node:https';
import { pinnedLookup, type CheckedTarget } from './webhook-target.js';

/** What a receiver answered: enough to decide and to log, never its whole body. */
export interface WebhookAnswer {
  statusCode: number;
  retryAfter: string | undefined;
  location: string | undefined;
  /** The start of the body, at most `excerptChars` characters. */
  excerpt: string;
}

export interface WebhookPost {
  target: CheckedTarget;
  headers: Record<string, string>;
  body: string;
  /** Ends the exchange: the attempt's timeout, or the activity's cancellation. */
  signal: AbortSignal;
  excerptChars: number;
  /**
   * How long to read the body once the status line and headers are in: the answer is what counts,
   * and a receiver whose body is slow or never ends has answered all the same (treated as no
   * answer, a 2xx would be sent again, and the receiver would get the event twice).
   */
  bodyWaitMs: number;
}

/**
 * One POST to a checked target: connected to the checked addresses only (pinned lookup), a fresh
 * connection each time (no pooled socket outlives its check), redirects never followed (node:http
 * follows none), and at most a few KiB of the answer read, for at most `bodyWaitMs`. Rejects when
 * there is no answer; once the status line and headers are in, it resolves, whatever the body does
 * (slow, endless, cut off, or the attempt's time running out while it is read).
 */
export function postWebhook({ target, headers, body, signal, excerptChars, bodyWaitMs }: WebhookPost): Promise<WebhookAnswer> {
  const transport = target.url.protocol === 'https:' ? https : http;
  // UTF-8 takes at most 4 bytes a character: this many bytes hold the excerpt.
  const maxBytes = excerptChars * 4;
  return new Promise((resolve, reject) => {
    let answered = false;
    const request = transport.request(
      target.url,
      { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent: false, lookup: pinnedLookup(target.addresses), signal },
      (response) => {
        answered = true;
        const chunks: Buffer[] = [];
        let size = 0;
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          clearTimeout(bodyTimer);
          const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
          resolve({
            statusCode: response.statusCode ?? 0,
            retryAfter: one(response.headers['retry-after']),
            location: one(response.headers.location),
            excerpt: Buffer.concat(chunks).toString('utf8').slice(0, excerptChars),
          });
          response.destroy();
        };
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          if (size >= maxBytes) finish();
        });
        const bodyTimer = setTimeout(finish, bodyWaitMs);
        response.on('end', finish);
        // The answer is in: a body cut off (reset, the attempt's time up) ends the excerpt, not the answer.
        response.on('error', finish);
        response.on('close', finish);
      },
    );
    // Once answered, an abort or reset of the request ends the body's read (finish), not the answer.
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    request.end(body);
  });
}
