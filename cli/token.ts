import { parseArgs } from 'node:util';
import { authEnv, ConfigError, parseEnv } from '../common/config.js';
import { parseMode } from '../common/environment.js';
import { runMain } from '../common/main.js';
import { mintToken, ROLES, tokenConfig, type Role } from '../common/tokens.js';
import { withDevSecrets } from '../dev/secrets.js';

const usage = `Mints a development JWT (HS256) signed with JWT_SECRET, by default this install's
generated development secret (.data/dev-secrets.json). Refused in production mode, where tokens
come from your identity provider.
usage: npm run -s token -- --sub <id> --email <address> --roles customer[,operator,admin] [--ttl 12h]`;

runMain(async () => {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      email: { type: 'string' },
      roles: { type: 'string', default: 'customer' },
      ttl: { type: 'string', default: '12h' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.sub || !values.email) {
    process.stderr.write(`${usage}\n`);
    process.exit(values.help ? 0 : 2);
  }
  if (parseMode() === 'production') {
    throw new ConfigError('Production mode (ORDERFLOW_ENV=production): development tokens are refused; get tokens from your identity provider');
  }
  const roles = values.roles.split(',').map((role) => role.trim());
  const unknown = roles.filter((role) => !(ROLES as readonly string[]).includes(role));
  if (unknown.length > 0) throw new ConfigError(`unknown role(s) ${unknown.join(', ')}; roles are ${ROLES.join(', ')}`);
  const config = tokenConfig(parseEnv(authEnv, withDevSecrets(process.env)));
  if (!config.secret) throw new ConfigError('JWT_SECRET is not set: only HS256 development tokens can be minted here');
  const token = await mintToken({ sub: values.sub, email: values.email, roles: roles as Role[] }, { ...config, secret: config.secret }, values.ttl);
  process.stdout.write(`${token}\n`);
});
