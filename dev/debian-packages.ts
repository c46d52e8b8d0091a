import { execFileSync } from 'node:child_process';
import { ConfigError } from '../common/config.js';

const onPath = (command: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/**
 * Debian packages the stack runs (prometheus, haproxy, ...): installed with apt-get when one of
 * their commands is missing and we are root; otherwise a clear message naming the package.
 */
export function ensureDebianPackage(pkg: string, commands: string[], say: (line: string) => void): void {
  if (commands.every(onPath)) return;
  if (process.getuid?.() !== 0 || !onPath('apt-get')) {
    throw new ConfigError(`${commands.filter((command) => !onPath(command)).join(', ')} not installed: install Debian's "${pkg}" package (apt-get install ${pkg})`);
  }
  say(`installing ${pkg} (apt-get install ${pkg})...`);
  execFileSync('sh', ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${pkg}`], { stdio: 'inherit' });
}
