// The rules behind PlainText (common/text.ts), without zod, so that workflow code can use them.

/** C0 controls, DEL and C1 controls. */
export const CONTROLS = /[\u0000-\u001F\u007F-\u009F]/;
/** The same, but for tab, line feed and carriage return. */
export const CONTROLS_BUT_LINE_BREAKS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

/** One line of text PostgreSQL can store: valid Unicode, no controls, within `max` UTF-16 units. */
export const isPlainLine = (value: string, max: number): boolean => value.length <= max && value.isWellFormed() && !CONTROLS.test(value);
