import { z } from 'zod';

import { CONTROLS, CONTROLS_BUT_LINE_BREAKS } from './text-rules.js';

/**
 * The one rule for free text from outside (names, descriptions, address lines, reasons, search
 * terms, token subjects): trimmed, within length, valid Unicode (no lone surrogates, which
 * PostgreSQL would store as U+FFFD or refuse) and no control characters (a NUL is refused by
 * PostgreSQL outright, and would otherwise wedge the activity that stores it).
 */
export function PlainText(max: number, { min = 0, multiline = false }: { min?: number; multiline?: boolean } = {}) {
  const controls = multiline ? CONTROLS_BUT_LINE_BREAKS : CONTROLS;
  return z
    .string()
    .trim()
    .min(min, min === 1 ? 'must not be blank' : `must be at least ${min} characters`)
    .max(max)
    .refine((value) => value.isWellFormed(), 'must be valid Unicode (no lone surrogates)')
    .refine((value) => !controls.test(value), multiline ? 'must not contain control characters other than line breaks and tabs' : 'must not contain control characters');
}
