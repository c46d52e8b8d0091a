import { ensureDebianPackage } from './debian-packages.js';

/** Debian's `prometheus` (with `promtool`): installed with apt-get when missing and we are root. */
export async function ensurePrometheus(say: (line: string) => void): Promise<void> {
  ensureDebianPackage('prometheus', ['prometheus', 'promtool'], say);
}
