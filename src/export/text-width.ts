/**
 * How wide a line of text will be drawn, without a browser: per-character advances of DejaVu Sans
 * (measured in Chromium), the widest face of the charts' font stack, so a label measured here fits
 * whichever of the faces draws it. Used to truncate labels to their bar and to wrap legends.
 */

import { isHidden, showInvisible } from './visible-text.js';

// Advances in hundredths of an em for U+0020…U+007E, regular then bold (600).
const REGULAR = '32,40,46,84,64,95,78,27,39,39,50,84,32,36,32,34,64,64,64,64,64,64,64,64,64,64,34,34,84,84,84,53,100,71,69,70,77,63,58,78,75,30,30,66,56,86,75,79,60,79,69,63,60,73,68,99,69,61,69,39,34,39,84,50,50,61,63,55,63,62,34,63,63,28,28,58,28,97,63,61,63,63,40,52,39,63,59,82,59,59,52,64,34,64,84';
const BOLD = '32,46,52,84,70,100,87,31,46,46,52,84,38,42,38,37,70,70,70,70,70,70,70,70,70,70,40,40,84,84,84,58,100,77,76,73,83,68,68,82,84,37,37,78,64,100,84,85,73,85,77,68,70,81,77,110,77,72,73,46,37,46,84,50,50,67,72,59,72,68,41,72,71,34,34,67,34,104,71,69,72,72,49,60,48,71,65,92,65,65,58,71,37,71,84';
const table = (csv: string): Float64Array => Float64Array.from(csv.split(','), (v) => Number(v) / 100);
const ADVANCE = { regular: table(REGULAR), bold: table(BOLD) };
// Outside ASCII: Latin letters are about as wide as 'o'; symbols and CJK up to a full em.
const OTHER = 1;

/**
 * The width in px of `text` drawn at `fontSize` px, an upper estimate (kerning only narrows).
 *
 * @example
 * ```ts
 * textWidth('Encode 720p', 11); // ≈ 65
 * ```
 */
export function textWidth(text: string, fontSize: number, bold = false): number {
  const advance = bold ? ADVANCE.bold : ADVANCE.regular;
  let em = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c >= 32 && c < 127) em += advance[c - 32]!;
    // Drawn as its escape (`\u202e`): measure that, or the label overflows its bar.
    else if (isHidden(ch)) for (const e of showInvisible(ch)) em += advance[e.charCodeAt(0) - 32]!;
    else em += c >= 0xc0 && c < 0x250 ? 0.7 : OTHER;
  }
  return em * fontSize;
}

/**
 * The longest start of `text` that fits in `width` px, with an ellipsis when cut; `''` when not
 * even one character and the ellipsis fit.
 */
export function fitText(text: string, width: number, fontSize: number, bold = false): string {
  if (textWidth(text, fontSize, bold) <= width) return text;
  const chars = [...text];
  const ellipsis = textWidth('…', fontSize, bold);
  let used = 0;
  let k = 0;
  for (; k < chars.length; k++) {
    const w = textWidth(chars[k]!, fontSize, bold);
    if (used + w + ellipsis > width) break;
    used += w;
  }
  return k === 0 ? '' : chars.slice(0, k).join('').trimEnd() + '…';
}
