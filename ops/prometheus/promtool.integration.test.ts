import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// The alert rules and the scrape configuration, checked and unit-tested by Prometheus' own tool.
const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const promtool = (...args: string[]) => run('promtool', args, { cwd: here });

describe('promtool', () => {
  it('accepts the configuration and its rule file', async () => {
    const { stdout } = await promtool('check', 'config', 'prometheus.yml');
    expect(stdout).toMatch(/SUCCESS: prometheus\.yml is valid/);
    expect(stdout).toMatch(/SUCCESS: 12 rules found/);
  });

  it('passes the rules unit tests (each alert fires when it should, and only then)', async () => {
    const { stdout } = await promtool('test', 'rules', 'alerts.test.yml');
    expect(stdout).toMatch(/SUCCESS/);
  });
});
