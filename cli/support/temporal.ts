import { Client, Connection, isGrpcServiceError, WorkflowNotFoundError } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { parseEnv, temporalEnv } from '../../common/config.js';
import { createDataConverter, createEncryptionCodec, payloadEnv } from '../../common/payload-codec.js';
import { temporalConnectionOptions } from '../../common/temporal-connection.js';
import { environmentWithSecrets } from './credentials.js';
import { CliError, EXIT_USAGE } from './errors.js';

// gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html); @grpc/grpc-js is not ours to import.
const status = { INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, UNAVAILABLE: 14 } as const;

/** The app's payload codec, with keys from the environment or (development) this install's secrets. */
export function appCodec(env: NodeJS.ProcessEnv = process.env): PayloadCodec {
  return createEncryptionCodec(parseEnv(payloadEnv, environmentWithSecrets(env)));
}

export interface TemporalSession {
  client: Client;
  close(): Promise<void>;
}

/** A client on TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE that reads payloads with the app's codec. */
export async function connectTemporal(codec: PayloadCodec, env: NodeJS.ProcessEnv = process.env): Promise<TemporalSession> {
  const config = parseEnv(temporalEnv, environmentWithSecrets(env));
  const { TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE } = config;
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...temporalConnectionOptions(config), connectTimeout: '5s' });
  } catch (error) {
    throw new CliError(`cannot reach Temporal at ${TEMPORAL_ADDRESS} (${firstLine(error)}); is it running? Set TEMPORAL_ADDRESS`);
  }
  const client = new Client({ connection, namespace: TEMPORAL_NAMESPACE, dataConverter: createDataConverter(codec) });
  return { client, close: () => connection.close() };
}

/**
 * The expected ways a Temporal call fails, as a CliError: an unknown workflow, a request the
 * server refuses (a bad visibility query), a server that is gone. Anything else is a bug and
 * is rethrown as it is.
 */
export async function temporalCall<T>(call: () => Promise<T>, subject: { workflowId?: string; query?: string }): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw describeTemporalError(error, subject) ?? error;
  }
}

function describeTemporalError(error: unknown, { workflowId, query }: { workflowId?: string; query?: string }): CliError | undefined {
  if (error instanceof WorkflowNotFoundError) return new CliError(`workflow ${error.workflowId || workflowId} not found`);
  const grpc = isGrpcServiceError(error) ? error : error instanceof Error && isGrpcServiceError(error.cause) ? error.cause : undefined;
  if (!grpc) return undefined;
  const details = grpc.details || grpc.message;
  switch (grpc.code) {
    case status.NOT_FOUND:
      return new CliError(workflowId ? `workflow ${workflowId} not found` : `not found: ${details}`);
    case status.INVALID_ARGUMENT:
      return new CliError(query !== undefined ? `invalid visibility query ${JSON.stringify(query)}: ${details}` : `Temporal refused the request: ${details}`, EXIT_USAGE);
    case status.UNAVAILABLE:
    case status.DEADLINE_EXCEEDED:
      return new CliError(`Temporal is unavailable: ${details}`);
    default:
      return new CliError(`Temporal: ${details}`);
  }
}

const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0];
