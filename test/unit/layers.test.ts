/**
 * The layer order of src/: a module may import from its own layer or a lower one, never from a
 * higher one. A new folder must be given a place here before anything can import it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Bottom first. `errors.ts` and `index.ts` are files at the top of src/, placed by name. */
const LAYERS: readonly string[] = [
  'diagnostics', // codes and Diagnostic: what every layer reports with
  'errors.ts', // typed errors (ValidationError carries Diagnostics)
  'core', // typed-array graph algorithms
  'taskbody', // TaskBody XML → asset references
  'job', // the Job/Task model and its loader
  'graph', // dependencies and the graphology model
  'validate', // validateJob and its formats
  'scheduler', // the online Scheduler
  'workload', // generated workloads and the demo processors' catalogue
  'simulate', // the discrete-event simulator
  'store', // durable stores
  'run', // the Engine, dispatchers, processors, notifications
  'distributed', // BullMQ dispatcher and workers
  'export', // pictures and graph formats
  'server', // the REST facade
  'cli', // the command line
  'index.ts', // the public entry point
];

function layerOf(file: string): string {
  const rel = relative(src, file).split(/[\\/]/);
  return rel[0]!;
}

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* sources(p);
    else if (name.endsWith('.ts')) yield p;
  }
}

/** Every relative module specifier of a file: static imports, `export … from`, `import('…')` types and calls. */
function importsOf(text: string): string[] {
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)'(\.[^']*)'/gm;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push(m[1]!);
  return out;
}

describe('layers', () => {
  const files = [...sources(src)];

  it('every file of src/ is in a known layer', () => {
    const unknown = files.map(layerOf).filter((l) => !LAYERS.includes(l));
    expect([...new Set(unknown)], 'give the new folder a place in LAYERS (test/unit/layers.test.ts)').toEqual([]);
  });

  it('no module imports from a higher layer', () => {
    const upward: string[] = [];
    for (const file of files) {
      const from = LAYERS.indexOf(layerOf(file));
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
        const to = LAYERS.indexOf(layerOf(target));
        if (to > from) upward.push(`${relative(src, file)} imports ${spec} (${LAYERS[from]} → ${LAYERS[to]})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('the import scanner sees every form of import', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from '../b/b.js';",
      "export { c } from './c.js';",
      "import './side-effect.js';",
      "type D = import('./d.js').D;",
      "const e = await import('../e.js');",
      "import {\n  f,\n} from './f.js';",
    ].join('\n');
    expect(importsOf(text)).toEqual(['./a.js', '../b/b.js', './c.js', './side-effect.js', './d.js', '../e.js', './f.js']);
  });
});
