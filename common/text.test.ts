import { describe, expect, it } from 'vitest';
import { PlainText } from './text.js';

describe('PlainText', () => {
  const line = PlainText(20, { min: 1 });
  const block = PlainText(50, { multiline: true });

  it('trims, and accepts any valid Unicode without controls', () => {
    expect(line.parse('  Zoë 🦊 Ωmega  ')).toBe('Zoë 🦊 Ωmega');
    expect(block.parse('two\nlines\twith a tab\r\n')).toBe('two\nlines\twith a tab');
  });

  it.each([
    ['NUL', 'a\u0000b'],
    ['a lone high surrogate', 'a\ud800b'],
    ['a lone low surrogate', '\udfff'],
    ['a bell', '\u0007'],
    ['DEL', '\u007f'],
    ['a C1 control', '\u009b'],
    ['a line break', 'a\nb'],
    ['blank', '   '],
    ['too long', 'x'.repeat(21)],
  ])('refuses %s in a one-line field', (_name, value) => {
    expect(line.safeParse(value).success).toBe(false);
  });

  it('refuses NUL and lone surrogates in a multi-line field too', () => {
    expect(block.safeParse('a\u0000').success).toBe(false);
    expect(block.safeParse('\ud83d').success).toBe(false);
  });
});
