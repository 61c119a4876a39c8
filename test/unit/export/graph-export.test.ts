import { golden as goldenFile } from '../../helpers/golden.js';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exportDot, dotString } from '../../../src/export/dot.js';
import { exportJson, exportModel, processorName } from '../../../src/export/graph-export.js';
import { exportMermaid, mermaidText } from '../../../src/export/mermaid.js';
import { sequentialIds } from '../../../src/job/ids.js';
import type { JobDefinition } from '../../../src/job/model.js';
import { validateJob } from '../../../src/validate/validate.js';

// test/golden/export/<case>.dot|.mmd|.json for the repo's examples; UPDATE_GOLDEN=1 rewrites them.
const GOLDEN = 'test/golden/export';
const CASES = ['ladder', 'encode-package', 'broken-graph'] as const;

function golden(name: string, actual: string): void {
  goldenFile(GOLDEN, name, actual);
}

const validate = (def: unknown, profile: 'ams' | 'relaxed' = 'ams') => validateJob(def, { profile, ids: sequentialIds() });
const example = (name: string) => validate(readFileSync(`examples/${name}.json`, 'utf8'));

// ---------------------------------------------------------------------------------------------
// Syntax sanity checks: the subset of DOT and Mermaid the exporters write, checked strictly.

interface Drawing {
  nodes: string[];
  edges: Array<{ from: string; to: string; red: boolean; label?: string }>;
}

/** Checks DOT text line by line: quoted strings closed, braces balanced, every edge endpoint declared. */
function checkDot(text: string): Drawing {
  expect(text.endsWith('}\n')).toBe(true);
  let depth = 0;
  const nodes: string[] = [];
  const edges: Drawing['edges'] = [];
  const lines = text.split('\n');
  for (const line of lines) {
    // Strip the quoted strings (with their \" and \\ escapes); what is left has no quote at all.
    const stripped = line.replace(/"(?:[^"\\]|\\.)*"/g, '""');
    expect(stripped.replace(/""/g, ''), `unbalanced quote in ${JSON.stringify(line)}`).not.toContain('"');
    for (const c of stripped) {
      if (c === '{' || c === '[') depth++;
      if (c === '}' || c === ']') depth--;
      expect(depth).toBeGreaterThanOrEqual(0);
    }
    const node = /^ {2}([A-Za-z_][A-Za-z0-9_]*) \[label=("(?:[^"\\]|\\.)*")(.*)\];$/.exec(line);
    const edge = /^ {2}([A-Za-z_][A-Za-z0-9_]*) -> ([A-Za-z_][A-Za-z0-9_]*)( \[(.*)\])?;$/.exec(line);
    if (edge) {
      const attrs = edge[4] ?? '';
      const label = /label="((?:[^"\\]|\\.)*)"/.exec(attrs)?.[1];
      edges.push({ from: edge[1]!, to: edge[2]!, red: /color=red, fontcolor=red, penwidth=2/.test(attrs), ...(label !== undefined ? { label } : {}) });
    } else if (node) {
      expect(nodes, `node ${node[1]} declared twice`).not.toContain(node[1]);
      nodes.push(node[1]!);
    } else {
      expect(line, `unexpected DOT line ${JSON.stringify(line)}`).toMatch(/^(digraph job \{|\}|| {2}(graph|node|edge) \[.*\];)$/);
    }
  }
  expect(depth).toBe(0);
  for (const e of edges) {
    expect(nodes, `edge endpoint ${e.from} not declared`).toContain(e.from);
    expect(nodes, `edge endpoint ${e.to} not declared`).toContain(e.to);
  }
  return { nodes, edges };
}

/** A Mermaid label's inside: only entity codes and <br/> may carry markup characters. */
function checkMermaidLabel(label: string): void {
  const bare = label.replace(/<br\/>/g, '').replace(/#(\w+);/g, '');
  expect(bare, `raw markup character in label ${JSON.stringify(label)}`).not.toMatch(/["<>&`|#%;:\n\r]/);
}

/** Checks Mermaid text: the flowchart subset we write, every endpoint declared, linkStyle and class targets exist. */
function checkMermaid(text: string): Drawing & { linkStyles: Map<number, string>; classes: Map<string, string> } {
  const lines = text.split('\n');
  expect(lines.pop()).toBe('');
  let i = 0;
  while (lines[i]!.startsWith('%% ')) {
    expect(lines[i]!.slice(2), 'a directive hidden in a comment').not.toContain('%');
    i++;
  }
  expect(lines[i]).toMatch(/^flowchart (LR|TB)$/);
  const nodes: string[] = [];
  const edges: Drawing['edges'] = [];
  const classDefs = new Set<string>();
  const classes = new Map<string, string>();
  const linkStyles = new Map<number, string>();
  for (const line of lines.slice(i + 1)) {
    const node = /^ {2}([A-Za-z][A-Za-z0-9_]*)(\["([^"]*)"\]|\[\("([^"]*)"\)\])$/.exec(line);
    const link = /^ {2}([A-Za-z][A-Za-z0-9_]*) (-->|-\.->)(\|"([^"]*)"\|)? ([A-Za-z][A-Za-z0-9_]*)$/.exec(line);
    const classDef = /^ {2}classDef ([a-z]+) [a-z-]+:[^,; ]+( [^,; ]+)?(,[a-z-]+:[^,; ]+( [^,; ]+)?)*$/.exec(line);
    const cls = /^ {2}class ([A-Za-z0-9_,]+) ([a-z]+)$/.exec(line);
    const style = /^ {2}linkStyle ([0-9,]+) (.+)$/.exec(line);
    if (node) {
      expect(nodes, `node ${node[1]} declared twice`).not.toContain(node[1]);
      nodes.push(node[1]!);
      checkMermaidLabel(node[3] ?? node[4]!);
    } else if (link) {
      if (link[4] !== undefined) checkMermaidLabel(link[4]);
      edges.push({ from: link[1]!, to: link[5]!, red: false, ...(link[4] !== undefined ? { label: link[4] } : {}) });
    } else if (classDef) {
      classDefs.add(classDef[1]!);
    } else if (cls) {
      expect(classDefs, `class ${cls[2]} used before classDef`).toContain(cls[2]);
      for (const id of cls[1]!.split(',')) {
        expect(nodes).toContain(id);
        expect(classes.has(id), `${id} in two classes`).toBe(false);
        classes.set(id, cls[2]!);
      }
    } else if (style) {
      for (const n of style[1]!.split(',').map(Number)) {
        expect(n).toBeLessThan(edges.length);
        linkStyles.set(n, style[2]!);
      }
    } else {
      throw new Error(`unexpected Mermaid line ${JSON.stringify(line)}`);
    }
  }
  for (const e of edges) {
    expect(nodes).toContain(e.from);
    expect(nodes).toContain(e.to);
  }
  edges.forEach((e, n) => (e.red = linkStyles.get(n)?.startsWith('stroke:red,stroke-width:2px') ?? false));
  return { nodes, edges, linkStyles, classes };
}

/** Decodes the Mermaid entity codes we write, for comparing with the original text. */
function decodeMermaid(label: string): string {
  const named: Record<string, string> = { quot: '"' };
  return label.replace(/<br\/>/g, '\n').replace(/#(\w+);/g, (_, code: string) => named[code] ?? String.fromCodePoint(Number(code)));
}

/** Decodes a DOT label's escapes (\\, \", \n). */
/** What Graphviz draws of a label: its escapes, then its character references (we write only `&amp;`). */
function decodeDot(label: string): string {
  return label.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c)).replace(/&amp;/g, '&');
}

// ---------------------------------------------------------------------------------------------

const MES = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';
const body = (inputs: string[], outputs: string[]): string =>
  `<taskBody>${inputs.map((r) => `<inputAsset>${r}</inputAsset>`).join('')}${outputs.map((r) => `<outputAsset>${r}</outputAsset>`).join('')}</taskBody>`;
const INPUT = { __metadata: { uri: "https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A910ffdc1-2e25-4b17-8a42-61ffd4b8914c')" } };

describe('syntax checks used by these tests', () => {
  it('checkDot() and checkMermaid() reject broken text', () => {
    const dot = exportDot(example('ladder'));
    expect(() => checkDot(dot.replace('in0 -> t0;', 'in9 -> t0;'))).toThrow(/not declared/);
    expect(() => checkDot(dot.replace('label="#0 Ingest', 'label="#0 "Ingest'))).toThrow();
    expect(() => checkDot(dot.replace('}\n', '\n'))).toThrow();
    const mmd = exportMermaid(example('ladder'));
    expect(() => checkMermaid(mmd.replace('in0 --> t0', 'in0 --> t9'))).toThrow();
    expect(() => checkMermaid(mmd.replace('#35;0 Ingest', '#0 "Ingest'))).toThrow();
    expect(() => checkMermaid(mmd.replace('#35;0 Ingest', '<b>Ingest'))).toThrow(/raw markup/);
    expect(() => checkMermaid(mmd + '  linkStyle 99 stroke:red\n')).toThrow();
  });
});

describe('graph export golden files', () => {
  for (const name of CASES) {
    it(`exportDot(), exportMermaid() and exportJson() give the golden output for examples/${name}.json`, () => {
      const r = example(name);
      const dot = exportDot(r);
      const mmd = exportMermaid(r);
      const json = JSON.stringify(exportJson(r), null, 2) + '\n';
      golden(`${name}.dot`, dot);
      golden(`${name}.mmd`, mmd);
      golden(`${name}.json`, json);
      checkDot(dot);
      checkMermaid(mmd);
    });
  }

  it('exporters give the same bytes for the same input', () => {
    for (const name of CASES) {
      expect(exportDot(example(name))).toBe(exportDot(example(name)));
      expect(exportMermaid(example(name))).toBe(exportMermaid(example(name)));
      expect(JSON.stringify(exportJson(example(name)))).toBe(JSON.stringify(exportJson(example(name))));
    }
  });
});

describe('exportDot()', () => {
  it('exportDot() draws the ladder left to right with inputs, labelled edges and sinks', () => {
    const dot = exportDot(example('ladder'));
    expect(dot).toContain('rankdir=LR');
    expect(dot).toContain('t0 [label="#0 Ingest\\nMedia Encoder Standard\\npriority 50"]');
    expect(dot).toContain('t5 [label="#5 Package\\nDemo Packager\\npriority 20"]');
    expect(dot).toContain('in0 -> t0;');
    expect(dot).toContain('t0 -> t1 [label="JobOutputAsset(0)"];');
    expect(dot).toContain('sink5 [label="JobOutputAsset(5)\\nLadder package"');
    expect(dot).toContain('t4 -> sink4;');
    expect(dot).not.toContain('red');
  });

  it('exportDot() draws the cycles of an invalid job in red, tasks and edges', () => {
    const { edges, nodes } = checkDot(exportDot(example('broken-graph')));
    const red = edges.filter((e) => e.red).map((e) => `${e.from}->${e.to}`);
    expect(red.sort()).toEqual(['t0->t1', 't1->t0', 't3->t3']);
    const dot = exportDot(example('broken-graph'));
    for (const t of ['t0', 't1', 't3']) expect(dot).toMatch(new RegExp(`^  ${t} \\[label=.*, color=red, fontcolor=red, penwidth=2\\];$`, 'm'));
    expect(dot).toMatch(/^ {2}t2 \[label="[^"]*"\];$/m);
    // Missing and duplicate assets are drawn as dashed red nodes.
    expect(nodes).toEqual(expect.arrayContaining(['in3', 'missing7', 'dup2_2']));
    expect(dot).toContain('missing7 -> t2 [style=dashed, color=red];');
    expect(dot).toContain('invalid: 5 errors, 2 cycles');
  });

  it('exportDot() escapes quotes, backslashes, newlines and control characters', () => {
    expect(dotString('say "hi"')).toBe('"say \\"hi\\""');
    expect(dotString('a\\N b')).toBe('"a\\\\N b"');
    expect(dotString('one\ntwo\r\nthree')).toBe('"one\\ntwo\\nthree"');
    expect(dotString('bell\u0007')).toBe('"bell "');
    // Graphviz decodes character references: the & is escaped so the name is drawn as written.
    expect(dotString('<b>&amp;</b>')).toBe('"<b>&amp;amp;</b>"');
  });

  it('exportDot() honours inputs, sinks and direction options', () => {
    const dot = exportDot(example('ladder'), { inputs: false, sinks: false, direction: 'TB' });
    expect(dot).toContain('rankdir=TB');
    expect(dot).not.toMatch(/\bin0\b/);
    expect(dot).not.toMatch(/\bsink\d/);
    checkDot(dot);
  });
});

describe('exportMermaid()', () => {
  it('exportMermaid() writes a flowchart with quoted labels, entity codes and labelled links', () => {
    const mmd = exportMermaid(example('ladder'));
    expect(mmd.split('\n')[1]).toBe('flowchart LR');
    expect(mmd).toContain('  t0["#35;0 Ingest<br/>Media Encoder Standard<br/>priority 50"]');
    expect(mmd).toContain('  t0 -->|"JobOutputAsset(0)"| t1');
    expect(mmd).toContain('  in0[("JobInputAsset(0)")]');
    expect(mmd).not.toContain('linkStyle');
  });

  it('exportMermaid() marks cycle tasks with classDef cycle and their links with linkStyle stroke:red', () => {
    const mmd = exportMermaid(example('broken-graph'));
    const { edges, classes } = checkMermaid(mmd);
    expect(mmd).toContain('classDef cycle');
    expect(edges.filter((e) => e.red).map((e) => `${e.from}->${e.to}`).sort()).toEqual(['t0->t1', 't1->t0', 't3->t3']);
    expect(['t0', 't1', 't3'].map((t) => classes.get(t))).toEqual(['cycle', 'cycle', 'cycle']);
    expect(classes.get('t2')).toBe('task');
    expect(classes.get('missing7')).toBe('problem');
  });

  it('mermaidText() turns every character that could end or mark up a label into an entity code', () => {
    expect(mermaidText('say "hi" #1')).toBe('say #quot;hi#quot; #35;1');
    expect(mermaidText('<b>&</b>')).toBe('#60;b#62;#38;#60;/b#62;');
    expect(mermaidText('a|b`c:d;e%f')).toBe('a#124;b#96;c#58;d#59;e#37;f');
    expect(mermaidText('one\ntwo')).toBe('one<br/>two');
  });
});

describe('edgeLabels: false', () => {
  // Task 0 hands two assets to task 1; tasks 2 and 3 read each other's output: a cycle.
  const job = validate({
    InputMediaAssets: [INPUT],
    Tasks: [
      { MediaProcessorId: MES, TaskBody: body(['JobInputAsset(0)'], ['JobOutputAsset(0)', 'JobOutputAsset(1)']) },
      { MediaProcessorId: MES, TaskBody: body(['JobOutputAsset(0)', 'JobOutputAsset(1)'], ['JobOutputAsset(2)']) },
      { MediaProcessorId: MES, TaskBody: body(['JobOutputAsset(4)'], ['JobOutputAsset(3)']) },
      { MediaProcessorId: MES, TaskBody: body(['JobOutputAsset(3)'], ['JobOutputAsset(4)']) },
    ],
  });

  it('draws one unlabelled arrow per pair of tasks in DOT and Mermaid, cycles still red', () => {
    const dot = checkDot(exportDot(job, { edgeLabels: false }));
    expect(dot.edges.filter((e) => e.from.startsWith('t') && e.to.startsWith('t')).map((e) => [`${e.from}->${e.to}`, e.red, e.label])).toEqual([
      ['t0->t1', false, undefined],
      ['t3->t2', true, undefined],
      ['t2->t3', true, undefined],
    ]);
    const mmd = checkMermaid(exportMermaid(job, { edgeLabels: false }));
    expect(mmd.edges.filter((e) => e.from.startsWith('t') && e.to.startsWith('t')).map((e) => [`${e.from}->${e.to}`, e.red, e.label])).toEqual([
      ['t0->t1', false, undefined],
      ['t3->t2', true, undefined],
      ['t2->t3', true, undefined],
    ]);
    // Labelled, the two assets are two arrows.
    expect(checkDot(exportDot(job)).edges.filter((e) => e.from === 't0' && e.to === 't1')).toHaveLength(2);
  });
});

describe('exportJson()', () => {
  it('exportJson() lists job, tasks with inputs and outputs, edges, cycles and validity', () => {
    const j = exportJson(example('broken-graph'));
    expect(Object.keys(j)).toEqual(['job', 'tasks', 'edges', 'cycles', 'valid']);
    expect(j.job).toEqual({ Id: 'nb:jid:UUID:00000000-0000-4000-8000-000000000001', Name: 'Broken graph', Priority: 0 });
    expect(j.valid).toBe(false);
    expect(j.cycles).toEqual([[0, 1], [3]]);
    expect(j.edges).toEqual([
      { from: 1, to: 0, asset: 'JobOutputAsset(2)' },
      { from: 0, to: 1, asset: 'JobOutputAsset(0)' },
      { from: 3, to: 3, asset: 'JobOutputAsset(4)' },
    ]);
    expect(j.tasks[2]).toMatchObject({ index: 2, name: 'Thumbnails', inputs: ['JobInputAsset(3)', 'JobOutputAsset(7)'], outputs: ['JobOutputAsset(2)'], processor: 'Media Encoder Standard' });
  });

  it('exportJson() edges are the dependencies of the validation result', () => {
    const r = example('ladder');
    const deps = r.dependencies!;
    expect(exportJson(r).edges).toEqual(Array.from(deps.from, (f, e) => ({ from: f, to: deps.to[e], asset: `JobOutputAsset(${deps.asset[e]})` })));
  });
});

describe('exportModel() on unusual jobs', () => {
  it('exporters draw a definition that is not JSON as an empty, invalid graph', () => {
    const r = validate('{ not json');
    expect(r.job).toBeUndefined();
    expect(exportJson(r)).toEqual({ job: null, tasks: [], edges: [], cycles: [], valid: false });
    const dot = exportDot(r);
    checkDot(dot);
    expect(dot).toContain('invalid job definition');
    checkMermaid(exportMermaid(r));
  });

  it('exporters escape hostile names in every label and keep the syntax intact', () => {
    const names = ['say "hi"', '<script>&amp;</script>', 'two\nlines\r\nand CR', 'back\\slash \\N \\G', '#1; #quot; %%{init}', 'a:b;c|d`e', 'emoji 🎬', 'end', ''];
    const def: JobDefinition = {
      Name: 'Job "quoted" <&>\nsecond line %%{init: {"theme":"dark"}}%%',
      Priority: 5,
      InputMediaAssets: [INPUT],
      Tasks: names.map((Name, i) => ({
        Name,
        MediaProcessorId: i === 0 ? 'nb:mpid:UUID:2f381738-c504-4e4a-a38e-d199e207fcd5' : MES,
        TaskBody: body([i === 0 ? 'JobInputAsset(0)' : `JobOutputAsset(${i - 1})`], [`JobOutputAsset(${i})`]),
      })),
    };
    const r = validate(def);
    expect(r.valid).toBe(true);
    const dot = exportDot(r);
    const mmd = exportMermaid(r);
    checkDot(dot);
    const m = checkMermaid(mmd);
    expect(m.nodes).toEqual(expect.arrayContaining(names.map((_, i) => `t${i}`)));
    // The labels decode back to the names (newlines normalised to \n).
    for (const [i, name] of names.entries()) {
      const caption = name === '' ? `#${i}` : `#${i} ${name}`.replace(/\r\n|\r/g, '\n');
      const dotLabel = new RegExp(`^  t${i} \\[label="((?:[^"\\\\]|\\\\.)*)"`, 'm').exec(dot)![1]!;
      expect(decodeDot(dotLabel).startsWith(caption + '\n')).toBe(true);
      const mmdLabel = new RegExp(`^  t${i}\\["([^"]*)"\\]$`, 'm').exec(mmd)![1]!;
      expect(decodeMermaid(mmdLabel).startsWith(caption + '\n')).toBe(true);
    }
    expect(dot).toContain('#0 say \\"hi\\"\\nd199e207fcd5'.replace('d199e207fcd5', 'e207fcd5'));
    expect(mmd.split('\n')[0]).toBe('%% Job "quoted" <&> · second line ％％{init: {"theme":"dark"}}％％ (job priority 5)');
  });

  it('exportModel() marks every edge inside a strongly connected component as on a cycle', () => {
    // 0 ⇄ 1, 1 ⇄ 2 (one component; validateJob reports its two cycles), 2 → 3 outside it.
    const def: JobDefinition = {
      Name: 'scc',
      InputMediaAssets: [INPUT],
      Tasks: [
        { Name: 'a', MediaProcessorId: MES, TaskBody: body(['JobInputAsset(0)', 'JobOutputAsset(1)'], ['JobOutputAsset(0)']) },
        { Name: 'b', MediaProcessorId: MES, TaskBody: body(['JobOutputAsset(0)', 'JobOutputAsset(2)'], ['JobOutputAsset(1)']) },
        { Name: 'c', MediaProcessorId: MES, TaskBody: body(['JobOutputAsset(1)'], ['JobOutputAsset(2)']) },
        { Name: 'd', MediaProcessorId: MES, TaskBody: body(['JobOutputAsset(2)'], ['JobOutputAsset(3)']) },
      ],
    };
    const model = exportModel(validate(def));
    expect(model.cycles).toHaveLength(2);
    expect(model.tasks.map((t) => t.onCycle)).toEqual([true, true, true, false]);
    const taskEdges = model.edges.flatMap((e) => (e.kind === 'task' ? [`${e.from}->${e.to}:${e.onCycle}`] : []));
    expect(taskEdges).toEqual(['1->0:true', '0->1:true', '2->1:true', '1->2:true', '2->3:false']);
  });

  it('processorName() refuses an id that is not a string with a typed error (it crashed on id.trim)', () => {
    for (const id of [undefined, null, 0, {}]) {
      expect(() => processorName(id as never)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: expect.stringMatching(/^processorName: expected `id` to be a MediaProcessorId string/) }));
    }
  });

  it('processorName() names known processors and shortens the others to 8 hex digits', () => {
    expect(processorName('nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56')).toBe('Media Encoder Standard');
    expect(processorName('NB:MPID:UUID:FF4DF607-D419-42F0-BC17-A481B1331E56')).toBe('Media Encoder Standard');
    expect(processorName('nb:mpid:UUID:a2f9afe9-7146-4882-a5f7-da4a85e06a93')).toBe('Demo Packager');
    expect(processorName('nb:mpid:UUID:5f3c1d8e-2b7a-4c6e-9f10-3a4b5c6d7e8f')).toBe('Demo Thumbnailer');
    expect(processorName('nb:mpid:UUID:2f381738-c504-4e4a-a38e-d199e207fcd5')).toBe('e207fcd5');
    expect(processorName('')).toBe('(no processor)');
    expect(processorName('encoder')).toBe('encoder');
  });

  it('dot accepts the DOT output of every example (graphviz installed by scripts/ensure-test-tools.sh)', () => {
    if (!hasGraphviz()) throw new Error('graphviz (dot) is missing: run scripts/ensure-test-tools.sh');
    for (const name of CASES) {
      const svg = execFileSync('dot', ['-Tsvg'], { input: exportDot(example(name)) }).toString();
      expect(svg).toContain('<svg');
    }
  });
});

describe('graph export properties', () => {
  /** A random job: task i reads some JobOutputAsset(k) (k ≤ n: n is never produced) or job inputs 0..2. */
  const anyJob = fc
    .integer({ min: 1, max: 7 })
    .chain((n) =>
      fc.record({
        names: fc.array(fc.string({ unit: fc.constantFrom('a', ' ', '"', '<', '>', '&', '#', ';', ':', '|', '`', '\\', '\n', '%', '{', '}', '[', ']', '(', ')', 'é', '🎬'), maxLength: 12 }), { minLength: n, maxLength: n }),
        reads: fc.array(fc.array(fc.oneof(fc.integer({ min: 0, max: n }).map((k) => `JobOutputAsset(${k})`), fc.integer({ min: 0, max: 2 }).map((k) => `JobInputAsset(${k})`)), { minLength: 1, maxLength: 3 }), { minLength: n, maxLength: n }),
        jobName: fc.string({ maxLength: 10 }),
      }),
    );

  it('every export is well-formed, declares every endpoint and draws every dependency, cycles in red', () => {
    fc.assert(
      fc.property(anyJob, ({ names, reads, jobName }) => {
        const def: JobDefinition = {
          Name: jobName,
          InputMediaAssets: [INPUT],
          Tasks: names.map((Name, i) => ({ Name, MediaProcessorId: MES, TaskBody: body(reads[i]!, [`JobOutputAsset(${i})`]) })),
        };
        const r = validate(def);
        const deps = r.dependencies!;
        const dot = checkDot(exportDot(r));
        const mmd = checkMermaid(exportMermaid(r));
        const json = exportJson(r);
        expect(json.edges).toHaveLength(deps.from.length);
        const cycleEdges = new Set(r.diagnostics.flatMap((d) => (d.code === 'CYCLE' ? d.edges!.map((e) => `t${e.from}->t${e.to}`) : [])));
        for (const drawing of [dot, mmd]) {
          const taskEdges = drawing.edges.filter((e) => e.from.startsWith('t') && e.to.startsWith('t'));
          expect(taskEdges).toHaveLength(deps.from.length);
          for (const e of taskEdges) if (cycleEdges.has(`${e.from}->${e.to}`)) expect(e.red).toBe(true);
          if (r.valid) expect(drawing.edges.some((e) => e.red)).toBe(false);
        }
        expect(exportDot(r)).toBe(exportDot(validate(def)));
      }),
      { numRuns: 100 },
    );
  });
});

function hasGraphviz(): boolean {
  try {
    execFileSync('dot', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('exportDot, exportMermaid, exportJson: misused arguments', () => {
  const exporters = [
    ['exportDot', (r: unknown, o?: unknown) => exportDot(r as never, o as never)],
    ['exportMermaid', (r: unknown, o?: unknown) => exportMermaid(r as never, o as never)],
    ['exportJson', (r: unknown) => exportJson(r as never)],
  ] as const;

  it.each(exporters)('%s refuses what validateJob did not return (the definition itself, null)', (call, fn) => {
    for (const r of [undefined, null, 0, {}, { Name: 'J', Tasks: [] }, { valid: true, diagnostics: [] }]) {
      expect(() => fn(r)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: expect.stringMatching(new RegExp(`^${call}: expected \`result\` to be what validateJob\\(\\) returned, got `)) }));
    }
  });

  it.each(exporters.slice(0, 2))('%s refuses options that are not an object', (call, fn) => {
    expect(() => fn(validateJob({ Tasks: [] }), null)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringMatching(new RegExp(`^${call}: expected \`options\` to be an object, got `)) }));
  });
});
