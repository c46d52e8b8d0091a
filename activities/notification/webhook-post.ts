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
}

/**
 * One POST to a checked target: connected to the checked addresses only (pinned lookup), a fresh
 * connection each time (no pooled socket outlives its check), redirects never followed (node:http
 * follows none), and at most a few KiB of the answer read. Rejects when there is no answer.
 */
export function postWebhook({ target, headers, body, signal, excerptChars }: WebhookPost): Promise<WebhookAnswer> {
  const transport = target.url.protocol === 'https:' ? https : http;
  // UTF-8 takes at most 4 bytes a character: this many bytes hold the excerpt.
  const maxBytes = excerptChars * 4;
  return new Promise((resolve, reject) => {
    const request = transport.request(
      target.url,
      { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent: false, lookup: pinnedLookup(target.addresses), signal },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
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
        response.on('end', finish);
        response.on('error', (error) => {
          if (!done) reject(error);
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
