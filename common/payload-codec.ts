import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { JSONToPayload, payloadToJSON, type JSONPayload } from '@temporalio/common/lib/proto-utils.js';
import { z } from 'zod';

const ENCODING = 'binary/encrypted';
const METADATA_ENCODING = 'encoding';
const METADATA_KEY_ID = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Encrypts every payload (workflow inputs and results, activity arguments, query and update
 * answers) with AES-256-GCM before it leaves the process, so customer data never lies in
 * plaintext in Temporal. Payloads name their key, so old keys can keep decrypting after a rotation.
 */
export class EncryptionCodec implements PayloadCodec {
  constructor(
    private readonly current: { id: string; key: Buffer },
    private readonly keys: ReadonlyMap<string, Buffer> = new Map([[current.id, current.key]]),
  ) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
      const plain = Buffer.from(encodePayload(payload));
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { [METADATA_ENCODING]: encoder.encode(ENCODING), [METADATA_KEY_ID]: encoder.encode(this.current.id) },
        data: sealed,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (decoder.decode(payload.metadata?.[METADATA_ENCODING]) !== ENCODING) return payload;
      const keyId = decoder.decode(payload.metadata?.[METADATA_KEY_ID]);
      const key = this.keys.get(keyId);
      if (!key) throw new Error(`No decryption key "${keyId}" (set PAYLOAD_ENCRYPTION_KEY or PAYLOAD_DECRYPTION_KEYS)`);
      const sealed = Buffer.from(payload.data ?? new Uint8Array());
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
      return decodePayload(plain);
    });
  }
}

// A payload inside the ciphertext: its proto JSON form (metadata and data in base64).
const encodePayload = (payload: Payload): Uint8Array => encoder.encode(JSON.stringify(payloadToJSON(payload)));
const decodePayload = (bytes: Uint8Array): Payload => JSONToPayload(JSON.parse(decoder.decode(bytes)) as JSONPayload);

const DEVELOPMENT_KEY = createHash('sha256').update('orderflow development payload key').digest().toString('base64');
const key32 = z
  .string()
  .refine((value) => Buffer.from(value, 'base64').length === 32, 'must be 32 bytes, base64 (openssl rand -base64 32)');

export const payloadEnv = z.object({
  PAYLOAD_ENCRYPTION_KEY: key32.default(DEVELOPMENT_KEY),
  PAYLOAD_ENCRYPTION_KEY_ID: z.string().regex(/^[\w.-]{1,64}$/).default('dev'),
  /** Earlier keys still needed to read old histories: `id:base64,id:base64`. */
  PAYLOAD_DECRYPTION_KEYS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const keys = new Map<string, Buffer>();
      for (const entry of (value ?? '').split(',').map((part) => part.trim()).filter(Boolean)) {
        const [id, key] = entry.split(':');
        if (!id || !key || Buffer.from(key, 'base64').length !== 32) {
          ctx.addIssue({ code: 'custom', message: `"${entry.slice(0, 20)}…" is not id:<32 bytes base64>` });
          continue;
        }
        keys.set(id, Buffer.from(key, 'base64'));
      }
      return keys;
    }),
});

export const isDevelopmentPayloadKey = (config: z.infer<typeof payloadEnv>) => config.PAYLOAD_ENCRYPTION_KEY === DEVELOPMENT_KEY;

export function createEncryptionCodec(config: z.infer<typeof payloadEnv>): EncryptionCodec {
  const current = { id: config.PAYLOAD_ENCRYPTION_KEY_ID, key: Buffer.from(config.PAYLOAD_ENCRYPTION_KEY, 'base64') };
  return new EncryptionCodec(current, new Map([...config.PAYLOAD_DECRYPTION_KEYS, [current.id, current.key]]));
}

/** The data converter every client and worker of the app uses. */
export function createDataConverter(codec: PayloadCodec): DataConverter {
  return { payloadCodecs: [codec] };
}
