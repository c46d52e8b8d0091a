import type { DataConverter } from '@temporalio/common';
import { DEVELOPMENT_AUDIENCE, DEVELOPMENT_ISSUER } from '../../common/config.js';
import { createDataConverter, createEncryptionCodec, payloadEnv } from '../../common/payload-codec.js';
import { mintToken, type Role } from '../../common/tokens.js';
import type { DevSecrets } from '../../dev/secrets.js';

/** The data converter of processes started with these secrets. */
export function dataConverterFor(secrets: DevSecrets): DataConverter {
  return createDataConverter(createEncryptionCodec(payloadEnv.parse(secrets)));
}

/** A development (HS256) token that processes started with these secrets accept. */
export function tokenFor(secrets: DevSecrets, sub: string, roles: Role[] = ['customer'], email = `${sub}@example.test`): Promise<string> {
  return mintToken({ sub, email, roles }, { secret: secrets.JWT_SECRET, issuer: DEVELOPMENT_ISSUER, audience: DEVELOPMENT_AUDIENCE });
}
