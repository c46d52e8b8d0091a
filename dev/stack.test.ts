import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appProcessEnv, SERVICES } from '../common/config.js';
import { parseReplicas, ROOT, servicesIn, withProcessEnv } from './stack.js';

describe('withProcessEnv', () => {
  it.each([...SERVICES, 'api' as const])('%s: starts with the deployment\'s Node flags and malloc arenas', (name) => {
    expect(withProcessEnv(name, { LOG_LEVEL: 'info' })).toEqual({ LOG_LEVEL: 'info', ...appProcessEnv(name) });
  });

  it('keeps a flag the caller set, with its value, and adds the ones it did not set; and the caller\'s own MALLOC_ARENA_MAX', () => {
    const env = withProcessEnv('order', { NODE_OPTIONS: '--enable-source-maps --max-old-space-size=1024' });
    expect(env.NODE_OPTIONS!.split(' ').sort()).toEqual(['--enable-source-maps', '--max-old-space-size=1024', '--max-semi-space-size=4'].sort());
    expect(withProcessEnv('api', { NODE_OPTIONS: '--max-semi-space-size=16', MALLOC_ARENA_MAX: '8' })).toEqual({ NODE_OPTIONS: '--max-semi-space-size=16', MALLOC_ARENA_MAX: '8' });
  });

  it('adds nothing twice: a restarted worker is started with the env it had', () => {
    const once = withProcessEnv('order', {});
    expect(withProcessEnv('order', once)).toEqual(once);
  });
});

describe('parseReplicas', () => {
  it('gives every service one replica unless named', () => {
    expect(parseReplicas('order=3')).toEqual({ product: 1, inventory: 1, order: 3, notification: 1, payment: 1 });
  });

  it('refuses an unknown service or a count out of 1..16', () => {
    expect(() => parseReplicas('orders=2')).toThrow(/Invalid replicas "orders=2"/);
    expect(() => parseReplicas('order=17')).toThrow(/1\.\.16/);
  });
});

describe('servicesIn', () => {
  it('this checkout has a worker for every service', () => {
    expect(servicesIn(ROOT)).toEqual([...SERVICES]);
  });

  it('a checkout without a service\'s worker entry (a baseline older than it) leaves that service out', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'orderflow-baseline-'));
    try {
      await mkdir(path.join(root, 'workers'));
      for (const service of ['product', 'inventory', 'order', 'notification']) await writeFile(path.join(root, 'workers', `${service}.ts`), '');
      expect(servicesIn(root)).toEqual(['product', 'inventory', 'order', 'notification']);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
