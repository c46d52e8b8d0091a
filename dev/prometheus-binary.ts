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

/** Debian's `prometheus` (with `promtool`): installed with apt-get when missing and we are root. */
export async function ensurePrometheus(say: (line: string) => void): Promise<void> {
  if (onPath('prometheus') && onPath('promtool')) return;
  if (process.getuid?.() !== 0 || !onPath('apt-get')) {
    throw new ConfigError('prometheus is not installed: install Debian\'s "prometheus" package (apt-get install prometheus), which brings promtool too');
  }
  say('installing Prometheus (apt-get install prometheus)...');
  execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus'], { stdio: 'inherit' });
}
