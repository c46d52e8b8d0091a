import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { createEncryptionCodec, EncryptionCodec, payloadEnv } from './payload-codec.js';

const payload = (value: unknown) => defaultPayloadConverter.toPayload(value);
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');
const key = () => randomBytes(32);

describe('EncryptionCodec', () => {
  it('round-trips payloads and leaves no plaintext in what it encodes', async () => {
    const codec = new EncryptionCodec({ id: 'k1', key: key() });
    const original = payload({ email: 'dana@example.com', lines: [{ sku: 'TEE-BLK-M', quantity: 2 }] });
    const [encrypted] = await codec.encode([original]);
    expect(text(encrypted!.metadata!.encoding)).toBe('binary/encrypted');
    expect(text(encrypted!.metadata!['encryption-key-id'])).toBe('k1');
    expect(text(encrypted!.data)).not.toContain('dana@example.com');
    const [decrypted] = await codec.decode([encrypted!]);
    expect(defaultPayloadConverter.fromPayload(decrypted!)).toEqual({ email: 'dana@example.com', lines: [{ sku: 'TEE-BLK-M', quantity: 2 }] });
  });

  it('uses a fresh IV each time', async () => {
    const codec = new EncryptionCodec({ id: 'k1', key: key() });
    const [a, b] = await codec.encode([payload('same'), payload('same')]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('passes through payloads that are not encrypted (histories from before encryption)', async () => {
    const codec = new EncryptionCodec({ id: 'k1', key: key() });
    const plain = payload({ a: 1 });
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('refuses tampered ciphertext and unknown keys', async () => {
    const codec = new EncryptionCodec({ id: 'k1', key: key() });
    const [encrypted] = await codec.encode([payload('secret')]);
    const tampered = Buffer.from(encrypted!.data!);
    tampered[20] = tampered[20]! ^ 0xff;
    await expect(codec.decode([{ ...encrypted!, data: tampered }])).rejects.toThrow();
    await expect(new EncryptionCodec({ id: 'k2', key: key() }).decode([encrypted!])).rejects.toThrow(/No decryption key "k1"/);
  });

  it('keeps decrypting with an old key after a rotation', async () => {
    const oldKey = key().toString('base64');
    const before = createEncryptionCodec(payloadEnv.parse({ PAYLOAD_ENCRYPTION_KEY: oldKey, PAYLOAD_ENCRYPTION_KEY_ID: 'old' }));
    const [encrypted] = await before.encode([payload('kept')]);
    const after = createEncryptionCodec(
      payloadEnv.parse({ PAYLOAD_ENCRYPTION_KEY: key().toString('base64'), PAYLOAD_ENCRYPTION_KEY_ID: 'new', PAYLOAD_DECRYPTION_KEYS: `old:${oldKey}` }),
    );
    expect(defaultPayloadConverter.fromPayload((await after.decode([encrypted!]))[0]!)).toBe('kept');
    expect(text((await after.encode([payload('x')]))[0]!.metadata!['encryption-key-id'])).toBe('new');
  });

  it('rejects keys that are not 32 bytes, clearly', () => {
    expect(payloadEnv.safeParse({ PAYLOAD_ENCRYPTION_KEY: 'c2hvcnQ=' }).error?.issues[0]?.message).toMatch(/32 bytes/);
    expect(payloadEnv.safeParse({ PAYLOAD_DECRYPTION_KEYS: 'nocolon' }).success).toBe(false);
  });
});
