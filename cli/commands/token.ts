import { Option, type Command } from 'commander';
import { ROLES, type Role } from '../../common/tokens.js';
import { usageError } from '../support/errors.js';
import { mintDevelopmentToken } from '../support/credentials.js';
import { globalOptions } from '../support/context.js';
import { printJson } from '../support/output.js';

/** `token mint`: a development JWT signed with this install's secret (refused in production mode). */
export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('development tokens');

  token
    .command('mint')
    .description("a development JWT (HS256) signed with JWT_SECRET, by default this install's generated secret (.data/dev-secrets.json); refused in production mode, where tokens come from your identity provider")
    .requiredOption('--sub <id>', 'subject: the customer or user ID')
    .requiredOption('--email <address>', 'email claim')
    .addOption(
      new Option('--roles <roles>', `comma-separated, of ${ROLES.join(', ')}`)
        .default(['customer'], 'customer')
        .argParser((value) => value.split(',').map((role) => role.trim()) as Role[]),
    )
    .option('--ttl <duration>', 'lifetime, e.g. 15m, 12h, 7d', '12h')
    .action(async (options: { sub: string; email: string; roles: Role[]; ttl: string }, command: Command) => {
      const unknown = options.roles.filter((role) => !(ROLES as readonly string[]).includes(role));
      if (unknown.length > 0) throw usageError(`unknown role(s) ${unknown.join(', ')}; roles are ${ROLES.join(', ')}`);
      const jwt = await mintDevelopmentToken({ sub: options.sub, email: options.email, roles: options.roles }, options.ttl);
      if (globalOptions(command).json) return printJson({ token: jwt, sub: options.sub, email: options.email, roles: options.roles, expiresIn: options.ttl });
      process.stdout.write(`${jwt}\n`);
    });
}
