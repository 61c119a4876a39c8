/**
 * Invisible characters that change how the text around them is drawn, made visible for every
 * exporter. Names come from job definitions: a U+202E RIGHT-TO-LEFT OVERRIDE drew
 * `invoice_\u202efdp.exe` as "invoice_exe.pdf" in a label or tooltip ("Trojan Source"), and a
 * zero-width space made two names look the same.
 */

// Bidi controls (U+061C, U+200E/F, U+202A–E, U+2066–9), invisible format characters (U+180E,
// U+200B, U+2060–U+206F, U+FEFF, U+FFF9–B), DEL and C1 controls (U+0085, U+009B CSI). Not the
// joiners U+200C/D: Persian, Indic scripts and emoji sequences need them, and they reorder nothing.
const SET = '[\\u007f-\\u009f\\u061c\\u180e\\u200b\\u200e\\u200f\\u202a-\\u202e\\u2060-\\u206f\\ufeff\\ufff9-\\ufffb]';
const HIDDEN = new RegExp(SET, 'g');
const ONE_HIDDEN = new RegExp(`^${SET}$`);

/**
 * `text` with each bidi control and invisible format character written as `\u202e`, the notation
 * of the validator's messages. C0 controls are left to each format (a space, U+FFFD, a line break).
 *
 * @example
 * ```ts
 * showInvisible('a\u202eb'); // 'a\\u202eb'
 * ```
 */
export function showInvisible(text: string): string {
  return text.replace(HIDDEN, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Whether `ch` (one character) is one {@link showInvisible} writes as `\uXXXX`. */
export function isHidden(ch: string): boolean {
  return ONE_HIDDEN.test(ch);
}
