import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT } from '../../dev/stack.js';

/** One line of a suite's log file: which process wrote it, and the line parsed if it is JSON. */
export interface LogLine {
  process: string;
  text: string;
  json?: Record<string, unknown>;
}

/** Reads `.data/test/logs/<suite>.log`, where TestStack writes `<time> <process> | <line>` for every process. */
export async function readSuiteLog(suite: string): Promise<LogLine[]> {
  const content = await readFile(path.join(ROOT, '.data', 'test', 'logs', `${suite}.log`), 'utf8');
  return content
    .split('\n')
    .filter(Boolean)
    .map((raw) => {
      const match = /^\S+ (\S+)\s*\| (.*)$/.exec(raw);
      const [, process = '', text = raw] = match ?? [];
      return { process, text, ...(text.startsWith('{') && { json: JSON.parse(text) as Record<string, unknown> }) };
    });
}
