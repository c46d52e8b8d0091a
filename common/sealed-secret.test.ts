import { describe, expect, it } from 'vitest';
import { seal, sealingKey, unseal } from './sealed-secret.js';

describe('sealed secrets', () => {
  it('open with the key they were sealed to, and with no other', async () => {
    const key = await sealingKey();
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYq=';
    const sealed = seal(secret, key.publicKey);
    expect(sealed).not.toContain(secret);
    expect(unseal(sealed, key)).toBe(secret);
    const another = await sealingKey();
    expect(() => unseal(sealed, another)).toThrow();
  });

  it('seal the same secret differently each time (OAEP is randomised)', async () => {
    const key = await sealingKey();
    expect(seal('whsec_x', key.publicKey)).not.toBe(seal('whsec_x', key.publicKey));
  });
});
