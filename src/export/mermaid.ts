/**
 * A job's dependency graph as a Mermaid flowchart (renders in GitHub Markdown, `mmdc`, the Mermaid
 * live editor). Every label is a quoted string with Mermaid's entity codes (`#quot;`, `#35;`, …) for
 * the characters that could end it or be read as markup; tasks on a cycle get `classDef cycle`, their
 * edges `linkStyle <n> stroke:red`. Deterministic: the same result gives the same bytes.
 */

import type { ValidationResult } from '../validate/validate.js';
import { checkExportArgs, exportModel, graphTitle, taskCaption, type ExportModel, type GraphExportOptions } from './graph-export.js';
import { showInvisible } from './visible-text.js';

/**
 * Characters replaced by Mermaid entity codes inside a quoted label. `"` would end the string; `#`
 * starts an entity code itself; `<`, `>`, `&` would be read as HTML; `` ` `` would start a Markdown
 * string; `:` and `;` take part in Mermaid's own `style …:#…;` rewriting; `|` ends an edge label;
 * `%` starts comments and directives.
 */
const ENTITY: Readonly<Record<string, string>> = {
  '"': '#quot;',
  '#': '#35;',
  '<': '#60;',
  '>': '#62;',
  '&': '#38;',
  '`': '#96;',
  ':': '#58;',
  ';': '#59;',
  '|': '#124;',
  '%': '#37;',
};

/**
 * Text for inside a quoted Mermaid label: the characters above as entity codes, line breaks as
 * `<br/>`, other C0 control characters as spaces, bidi controls and invisible format characters as
 * a visible `\u202e` (see {@link showInvisible}).
 *
 * @param text - Any text.
 * @returns Text safe between the quotes of `id["…"]` or `-->|"…"|`.
 * @example
 * ```ts
 * mermaidText('say "hi" #1'); // 'say #quot;hi#quot; #35;1'
 * ```
 */
export function mermaidText(text: string): string {
  return showInvisible(
    text
      .replace(/["#<>&`:;|%]/g, (c) => ENTITY[c]!)
      .replace(/\r\n|\r|\n|\u2028|\u2029/g, '<br/>')
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ')
      .replace(/\t/g, ' '),
  );
}

function label(lines: string[]): string {
  return `"${lines.map(mermaidText).join('<br/>')}"`;
}

/**
 * The job's dependency graph as a Mermaid flowchart.
 *
 * @param result - What `validateJob()` returned; an invalid job is drawn too, its problems in red.
 * @param options - {@link GraphExportOptions}: `inputs`, `sinks` (both default true), `direction`
 *   (default `'LR'`).
 * @returns The Mermaid text, ending in a newline.
 * @example
 * ```ts
 * const md = '```mermaid\n' + exportMermaid(validateJob(text)) + '```\n';
 * ```
 */
export function exportMermaid(result: ValidationResult, options: GraphExportOptions = {}): string {
  checkExportArgs('exportMermaid', result, options);
  return renderMermaid(exportModel(result, options), options.direction ?? 'LR', options.edgeLabels ?? true);
}

function renderMermaid(model: ExportModel, direction: 'LR' | 'TB', edgeLabels: boolean): string {
  const out: string[] = [];
  // A comment, not front matter: the title may hold anything, and a comment ends with its line.
  // `%` becomes a full-width ％ so that no `%%{…}%%` in a name can be read as a directive.
  // Bidi controls would reorder the comment in an editor (Trojan Source): shown as `\u202e`.
  const title = showInvisible(graphTitle(model).replace(/[\r\n\u2028\u2029]+/g, ' · ').replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/%/g, '\uff05'));
  out.push(`%% ${title}`);
  out.push(`flowchart ${direction}`);
  const classes = { input: [] as string[], task: [] as string[], sink: [] as string[], problem: [] as string[], cycle: [] as string[] };

  for (const input of model.inputs) {
    const id = `in${input.index}`;
    const lines = [`JobInputAsset(${input.index})`];
    if (input.missing) lines.push('not in InputMediaAssets');
    out.push(`  ${id}[(${label(lines)})]`);
    (input.missing ? classes.problem : classes.input).push(id);
  }
  for (const t of model.tasks) {
    const id = `t${t.index}`;
    out.push(`  ${id}[${label([taskCaption(t), t.processor, `priority ${t.priority}`])}]`);
    (t.onCycle ? classes.cycle : classes.task).push(id);
  }
  for (const s of model.sinks) {
    const id = `sink${s.asset}`;
    const lines = [`JobOutputAsset(${s.asset})`];
    if (s.assetName !== undefined && s.assetName !== '') lines.push(s.assetName);
    out.push(`  ${id}[(${label(lines)})]`);
    classes.sink.push(id);
  }
  for (const k of model.unproduced) {
    const id = `missing${k}`;
    out.push(`  ${id}[(${label([`JobOutputAsset(${k})`, 'not produced by any task'])})]`);
    classes.problem.push(id);
  }
  for (const d of model.duplicates) {
    const id = `dup${d.task}_${d.asset}`;
    out.push(`  ${id}[(${label([`JobOutputAsset(${d.asset})`, `duplicate output of #${d.task}`])})]`);
    classes.problem.push(id);
  }

  // linkStyle counts links in the order they are written, from 0.
  const cycleLinks: number[] = [];
  const problemLinks: number[] = [];
  // Without labels, two assets from one task to another would be two identical arrows: one says it.
  const drawn = new Set<string>();
  let n = 0;
  for (const e of model.edges) {
    switch (e.kind) {
      case 'input':
        out.push(`  in${e.input} --> t${e.to}`);
        break;
      case 'task':
        if (!edgeLabels) {
          const pair = `${e.from} ${e.to}`;
          if (drawn.has(pair)) continue;
          drawn.add(pair);
        }
        out.push(edgeLabels ? `  t${e.from} -->|${label([`JobOutputAsset(${e.asset})`])}| t${e.to}` : `  t${e.from} --> t${e.to}`);
        if (e.onCycle) cycleLinks.push(n);
        break;
      case 'unproduced':
        out.push(`  missing${e.asset} -.-> t${e.to}`);
        problemLinks.push(n);
        break;
      case 'sink':
        out.push(`  t${e.from} --> sink${e.asset}`);
        break;
      case 'duplicate':
        out.push(`  t${e.from} -.-> dup${e.from}_${e.asset}`);
        problemLinks.push(n);
        break;
    }
    n++;
  }

  out.push('  classDef task fill:#ffffff,stroke:#555555');
  out.push('  classDef input fill:#e8f1fb,stroke:#5b7fa6');
  out.push('  classDef sink fill:#eef7ee,stroke:#5f8f5f');
  out.push('  classDef problem fill:#fff0f0,stroke:red,color:red,stroke-dasharray:5 5');
  out.push('  classDef cycle fill:#ffffff,stroke:red,color:red,stroke-width:2px');
  for (const [name, ids] of Object.entries(classes)) {
    if (ids.length > 0) out.push(`  class ${ids.join(',')} ${name}`);
  }
  if (cycleLinks.length > 0) out.push(`  linkStyle ${cycleLinks.join(',')} stroke:red,stroke-width:2px,color:red`);
  if (problemLinks.length > 0) out.push(`  linkStyle ${problemLinks.join(',')} stroke:red`);
  return out.join('\n') + '\n';
}
