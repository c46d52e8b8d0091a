import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { isLoopbackHost, type DevelopmentSetting } from './environment.js';

/** PEM files, read once at start-up; a path that cannot be read fails the start with its name. */
const pemPath = z.string().min(1).optional();

export const temporalEnv = z
  .object({
    TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    /** mTLS: this client's certificate and key (PEM files). */
    TEMPORAL_TLS_CERT: pemPath,
    TEMPORAL_TLS_KEY: pemPath,
    /** The CA that signed the server's certificate (PEM file); unset: the system's roots. */
    TEMPORAL_TLS_CA: pemPath,
    /** The name the server's certificate is checked against, when it is not the host of TEMPORAL_ADDRESS (a load balancer, an IP). */
    TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
    /** Temporal Cloud API key (sent as a bearer token, over TLS). */
    TEMPORAL_API_KEY: z.string().min(1).optional(),
  })
  .refine((env) => (env.TEMPORAL_TLS_CERT === undefined) === (env.TEMPORAL_TLS_KEY === undefined), {
    path: ['TEMPORAL_TLS_KEY'],
    message: 'set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY together (a client certificate and its key)',
  });
export type TemporalConfig = z.infer<typeof temporalEnv>;

export interface TemporalTls {
  serverNameOverride?: string;
  serverRootCACertificate?: Buffer;
  clientCertPair?: { crt: Buffer; key: Buffer };
}

/** What Connection.connect and NativeConnection.connect both take. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TemporalTls;
  apiKey?: string;
}

function readPem(variable: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new ConfigError(`Invalid configuration:\n  ${variable}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

/** Whether the connection is TLS: any TLS setting, or an API key (which is never sent in the clear). */
export const usesTls = (config: TemporalConfig) =>
  [config.TEMPORAL_TLS_CERT, config.TEMPORAL_TLS_CA, config.TEMPORAL_TLS_SERVER_NAME, config.TEMPORAL_API_KEY].some((value) => value !== undefined);

export function temporalConnectionOptions(config: TemporalConfig): TemporalConnectionOptions {
  const options: TemporalConnectionOptions = { address: config.TEMPORAL_ADDRESS };
  if (usesTls(config)) {
    options.tls = {
      ...(config.TEMPORAL_TLS_SERVER_NAME && { serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME }),
      ...(config.TEMPORAL_TLS_CA && { serverRootCACertificate: readPem('TEMPORAL_TLS_CA', config.TEMPORAL_TLS_CA) }),
      ...(config.TEMPORAL_TLS_CERT &&
        config.TEMPORAL_TLS_KEY && {
          clientCertPair: { crt: readPem('TEMPORAL_TLS_CERT', config.TEMPORAL_TLS_CERT), key: readPem('TEMPORAL_TLS_KEY', config.TEMPORAL_TLS_KEY) },
        }),
    };
  }
  if (config.TEMPORAL_API_KEY) options.apiKey = config.TEMPORAL_API_KEY;
  return options;
}

/** Production talks to a Temporal off this machine only over TLS, with a client certificate or an API key. */
export function temporalDevelopmentSettings(config: TemporalConfig): DevelopmentSetting[] {
  const host = config.TEMPORAL_ADDRESS.replace(/:\d+$/, '');
  if (isLoopbackHost(host)) return [];
  if (!usesTls(config)) {
    return [{ variable: 'TEMPORAL_TLS_CERT', problem: `not set: the connection to Temporal at ${config.TEMPORAL_ADDRESS} is in the clear and unauthenticated (set TEMPORAL_TLS_CERT/KEY, or TEMPORAL_API_KEY for Temporal Cloud)` }];
  }
  if (config.TEMPORAL_TLS_CERT === undefined && config.TEMPORAL_API_KEY === undefined) {
    return [{ variable: 'TEMPORAL_TLS_CERT', problem: `not set: TLS to ${config.TEMPORAL_ADDRESS} without a client certificate or TEMPORAL_API_KEY, so Temporal cannot tell who this is` }];
  }
  return [];
}
