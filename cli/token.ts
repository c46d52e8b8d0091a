import { parseArgs } from 'node:util';
import { authEnv, parseEnv } from '../common/config.js';
import { runMain } from '../common/main.js';
import { mintToken, ROLES, type Role } from '../common/tokens.js';

const usage = `Mints a development JWT signed with JWT_SECRET.
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
  const roles = values.roles.split(',').map((role) => role.trim());
  const unknown = roles.filter((role) => !(ROLES as readonly string[]).includes(role));
  if (unknown.length > 0) throw new Error(`unknown role(s) ${unknown.join(', ')}; roles are ${ROLES.join(', ')}`);
  const auth = parseEnv(authEnv);
  const token = await mintToken(
    { sub: values.sub, email: values.email, roles: roles as Role[] },
    { secret: auth.JWT_SECRET, issuer: auth.JWT_ISSUER, audience: auth.JWT_AUDIENCE },
    values.ttl,
  );
  process.stdout.write(`${token}\n`);
});
