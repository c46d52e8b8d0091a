import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from './stack.js';
import { DEV_SERVER_DYNAMIC_CONFIG, devServerArgs } from './temporal-server.js';

const base = { dbFile: '/tmp/temporal.db', port: 7233, uiPort: 8233 };

/** Each `--dynamic-config-value K=V` of an argument list, as the CLI reads it (V is JSON). */
const dynamicConfigOf = (args: string[]) =>
  Object.fromEntries(
    args.flatMap((arg, i) => {
      if (args[i - 1] !== '--dynamic-config-value') return [];
      const at = arg.indexOf('=');
      return [[arg.slice(0, at), JSON.parse(arg.slice(at + 1)) as unknown]];
    }),
  );

describe('devServerArgs', () => {
  it('turns on the priority-enabled matcher, so that task priority is honoured', () => {
    const args = devServerArgs(base);
    expect(args.join(' ')).toContain('--dynamic-config-value matching.useNewMatcher=true');
    expect(dynamicConfigOf(args)).toEqual({ 'matching.useNewMatcher': true });
  });

  it('takes a caller\'s dynamic config over its own, one flag per key', () => {
    const args = devServerArgs({ ...base, dynamicConfig: { 'matching.useNewMatcher': false, 'matching.numTaskqueueReadPartitions': 1 } });
    expect(args.filter((arg) => arg === '--dynamic-config-value')).toHaveLength(2);
    expect(dynamicConfigOf(args)).toEqual({ 'matching.useNewMatcher': false, 'matching.numTaskqueueReadPartitions': 1 });
  });

  it('sets each key as ops/temporal/dynamicconfig.yaml does (cluster mode, compose, Kubernetes)', () => {
    const deployed = parse(readFileSync(`${ROOT}/ops/temporal/dynamicconfig.yaml`, 'utf8')) as Record<string, Array<{ value: unknown; constraints: object }>>;
    for (const [key, value] of Object.entries(DEV_SERVER_DYNAMIC_CONFIG)) {
      expect(deployed[key], key).toEqual([{ value, constraints: {} }]);
    }
  });
});
