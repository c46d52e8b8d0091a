import { constants, generateKeyPair, privateDecrypt, publicEncrypt, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

/**
 * A secret sealed to a one-off key pair, so that it can cross a system that others may read (a
 * Temporal history, decodable by operators through the codec) and be opened only by whoever made
 * the pair: RSA-OAEP with SHA-256, for secrets of at most 190 bytes.
 */
export interface SealingKey {
  /** SPKI PEM: what the sealer gets. */
  publicKey: string;
  privateKey: KeyObject;
}

/** Made off the event loop (libuv's pool): an RSA key takes tens of ms, which would stall every request the API serves meanwhile. */
export async function sealingKey(): Promise<SealingKey> {
  const { publicKey, privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  return { publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey };
}

const OAEP = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' } as const;

/** Seals `secret` to `publicKey` (SPKI PEM); base64. */
export function seal(secret: string, publicKey: string): string {
  return publicEncrypt({ key: publicKey, ...OAEP }, Buffer.from(secret, 'utf8')).toString('base64');
}

export function unseal(sealed: string, key: SealingKey): string {
  return privateDecrypt({ key: key.privateKey, ...OAEP }, Buffer.from(sealed, 'base64')).toString('utf8');
}
