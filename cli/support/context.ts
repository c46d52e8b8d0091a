import { InvalidArgumentError, type Command } from 'commander';
import type { Role } from '../../common/tokens.js';
import type { ApiClient } from '../../api/client.js';
import { cliApiClient } from './api-client.js';
import { bearerToken } from './credentials.js';

/** The options every command takes (declared once, on the program). */
export interface GlobalOptions {
  apiUrl: string;
  token?: string;
  as?: string;
  json: boolean;
  debug: boolean;
}

export const globalOptions = (command: Command): GlobalOptions => command.optsWithGlobals<GlobalOptions>();

/** The API for a command: anonymous for public reads, else with a token for `role`. */
export async function apiClient(command: Command, role?: Role): Promise<ApiClient> {
  const options = globalOptions(command);
  return cliApiClient(options.apiUrl, role ? await bearerToken(options, role) : undefined);
}

/** Parses a whole number argument, or says which argument is wrong. */
export const integerArgument =
  (name: string, { min, max }: { min?: number; max?: number } = {}) =>
  (value: string): number => {
    const number = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || (min !== undefined && number < min) || (max !== undefined && number > max)) {
      throw new InvalidArgumentError(`${name} must be a whole number${min !== undefined ? ` ≥ ${min}` : ''}${max !== undefined ? ` ≤ ${max}` : ''}`);
    }
    return number;
  };
