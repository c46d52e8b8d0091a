import type { PayloadCodec } from '@temporalio/common';
import { JSONToPayload, payloadToJSON, type JSONPayload } from '@temporalio/common/lib/proto-utils.js';

const isJsonPayload = (value: object): value is JSONPayload =>
  'metadata' in value && typeof value.metadata === 'object' && value.metadata !== null && 'encoding' in value.metadata;

/**
 * A history (proto JSON) with every payload decoded: inputs, results, failure attributes,
 * summaries. For test fixtures from development data, which then replay under any key.
 */
export async function decodeHistoryPayloads(value: unknown, codec: PayloadCodec): Promise<unknown> {
  if (Array.isArray(value)) return Promise.all(value.map((item) => decodeHistoryPayloads(item, codec)));
  if (value === null || typeof value !== 'object') return value;
  if (isJsonPayload(value)) {
    const [decoded] = await codec.decode([JSONToPayload(value)]);
    return decoded ? payloadToJSON(decoded) : value;
  }
  const entries = await Promise.all(Object.entries(value).map(async ([key, item]) => [key, await decodeHistoryPayloads(item, codec)] as const));
  return Object.fromEntries(entries);
}
