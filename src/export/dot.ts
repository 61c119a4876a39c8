/**
 * A job's dependency graph in Graphviz DOT: `dot -Tsvg job.dot > job.svg`. Left to right, job
 * inputs as cylinders on the left, tasks as boxes, unread outputs as cylinders on the right; tasks
 * and edges on a cycle in red (`color=red, fontcolor=red, penwidth=2`), missing and duplicate assets
 * dashed red. Deterministic: the same result gives the same bytes.
 */

import type { ValidationResult } from '../validate/validate.js';
import { checkExportArgs, exportModel, graphTitle, taskCaption, type ExportModel, type GraphExportOptions } from './graph-export.js';
import { showInvisible } from './visible-text.js';

const FONT = 'Helvetica,Arial,sans-serif';
const RED = 'color=red, fontcolor=red, penwidth=2';
const PROBLEM = 'color=red, fontcolor=red, style="dashed,filled", fillcolor="#fff0f0"';

/**
 * A DOT string literal: backslashes and quotes escaped, every line break as `\n` (Graphviz's
 * centred line break), other C0 control characters as spaces, bidi controls and invisible format
 * characters as a visible `\u202e` (see {@link showInvisible}). Doubling the backslash also keeps
 * Graphviz from expanding `\N`, `\G`, `\E` and friends in names, and every `&` is written `&amp;`
 * so that Graphviz decodes no character reference in a name (`&#x202e;` would hide text).
 *
 * @param text - Any text.
 * @returns The text inside double quotes (past 5,000 characters, as `"…" + "…"`), safe as a DOT ID
 *   or attribute value.
 * @example
 * ```ts
 * dotString('say "hi"\nnow'); // '"say \\"hi\\"\\nnow"'
 * ```
 */
export function dotString(text: string): string {
  return quoted(dotText(text));
}

// Graphviz 2.x refuses 16,383 bytes or more in a row inside one quoted string ("longer than 16384?").
// 5,000 UTF-16 units are at most 15,000 bytes of UTF-8.
const CHUNK = 5000;

/**
 * Escaped text (see {@link dotText}) in double quotes; a long one as DOT's concatenation
 * `"…" + "…"`, cut neither inside a backslash escape nor inside a surrogate pair.
 */
function quoted(inner: string): string {
  if (inner.length <= CHUNK) return `"${inner}"`;
  const parts: string[] = [];
  for (let start = 0; start < inner.length; ) {
    let end = Math.min(start + CHUNK, inner.length);
    if (end < inner.length) {
      const unit = inner.charCodeAt(end - 1);
      if (unit >= 0xd800 && unit <= 0xdbff) end--;
      // Escapes are two characters, so an odd run of backslashes before the cut splits one.
      let k = end;
      while (k > start && inner.charCodeAt(k - 1) === 0x5c) k--;
      if ((end - k) % 2 === 1) end--;
    }
    parts.push(inner.slice(start, end));
    start = end;
  }
  return parts.map((p) => `"${p}"`).join(' + ');
}

/** The inside of a DOT string literal (see {@link dotString}); join lines with `\\n` yourself. */
function dotText(text: string): string {
  // Controls and invisibles first: the backslash of `\u202e` must be doubled for Graphviz to draw it.
  return showInvisible(text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, ' '))
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\r\n|\r|\n|\u2028|\u2029/g, '\\n')
    // Graphviz decodes character references in labels (`&#x202e;` would draw a real U+202E, and
    // `R&amp;D` R&D): every & is escaped, so a name is drawn as written.
    .replace(/&/g, '&amp;');
}

/** Several lines as one DOT label. */
function label(lines: string[]): string {
  return quoted(lines.map(dotText).join('\\n'));
}

/**
 * The job's dependency graph in Graphviz DOT.
 *
 * @param result - What `validateJob()` returned; an invalid job is drawn too, its problems in red.
 * @param options - {@link GraphExportOptions}: `inputs`, `sinks` (both default true), `direction`
 *   (default `'LR'`).
 * @returns The DOT text, ending in a newline.
 * @example
 * ```ts
 * writeFileSync('job.dot', exportDot(validateJob(readFileSync('job.json', 'utf8'))));
 * // then: dot -Tsvg job.dot > job.svg
 * ```
 */
export function exportDot(result: ValidationResult, options: GraphExportOptions = {}): string {
  checkExportArgs('exportDot', result, options);
  return renderDot(exportModel(result, options), options.direction ?? 'LR', options.edgeLabels ?? true);
}

function renderDot(model: ExportModel, direction: 'LR' | 'TB', edgeLabels: boolean): string {
  const out: string[] = [];
  out.push('digraph job {');
  out.push(`  graph [rankdir=${direction}, label=${label(graphTitle(model).split('\n'))}, labelloc=t, fontname="${FONT}", fontsize=12];`);
  out.push(`  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="${FONT}", fontsize=10];`);
  out.push(`  edge [fontname="${FONT}", fontsize=9];`);

  if (model.inputs.length > 0) out.push('');
  for (const input of model.inputs) {
    const lines = [`JobInputAsset(${input.index})`];
    if (input.missing) lines.push('not in InputMediaAssets');
    out.push(`  in${input.index} [label=${label(lines)}, shape=cylinder, ${input.missing ? PROBLEM : 'fillcolor="#e8f1fb"'}];`);
  }

  if (model.tasks.length > 0) out.push('');
  for (const t of model.tasks) {
    const lines = [taskCaption(t), t.processor, `priority ${t.priority}`];
    out.push(`  t${t.index} [label=${label(lines)}${t.onCycle ? `, ${RED}` : ''}];`);
  }

  const extra = model.sinks.length + model.unproduced.length + model.duplicates.length;
  if (extra > 0) out.push('');
  for (const s of model.sinks) {
    const lines = [`JobOutputAsset(${s.asset})`];
    if (s.assetName !== undefined && s.assetName !== '') lines.push(s.assetName);
    out.push(`  sink${s.asset} [label=${label(lines)}, shape=cylinder, fillcolor="#eef7ee"];`);
  }
  for (const k of model.unproduced) {
    out.push(`  missing${k} [label=${label([`JobOutputAsset(${k})`, 'not produced by any task'])}, shape=cylinder, ${PROBLEM}];`);
  }
  for (const d of model.duplicates) {
    out.push(`  dup${d.task}_${d.asset} [label=${label([`JobOutputAsset(${d.asset})`, `duplicate output of #${d.task}`])}, shape=cylinder, ${PROBLEM}];`);
  }

  if (model.edges.length > 0) out.push('');
  // Without labels, two assets from one task to another would be two identical arrows: one says it.
  const drawn = new Set<string>();
  for (const e of model.edges) {
    switch (e.kind) {
      case 'input':
        out.push(`  in${e.input} -> t${e.to};`);
        break;
      case 'task':
        if (edgeLabels) out.push(`  t${e.from} -> t${e.to} [label=${label([`JobOutputAsset(${e.asset})`])}${e.onCycle ? `, ${RED}` : ''}];`);
        else if (!drawn.has(`${e.from} ${e.to}`)) {
          drawn.add(`${e.from} ${e.to}`);
          out.push(`  t${e.from} -> t${e.to}${e.onCycle ? ` [${RED}]` : ''};`);
        }
        break;
      case 'unproduced':
        out.push(`  missing${e.asset} -> t${e.to} [style=dashed, color=red];`);
        break;
      case 'sink':
        out.push(`  t${e.from} -> sink${e.asset};`);
        break;
      case 'duplicate':
        out.push(`  t${e.from} -> dup${e.from}_${e.asset} [style=dashed, color=red];`);
        break;
    }
  }
  out.push('}');
  return out.join('\n') + '\n';
}
