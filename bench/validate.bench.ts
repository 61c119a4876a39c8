/**
 * validateJob on a relaxed-profile job of 100,000 tasks (the media shape as one AMS job, and the
 * layered shape), from JSON text to every diagnostic, against saxes alone reading the same
 * TaskBody text with no-op handlers (one parser reused, as ours does). Tasks/s and MB/s of TaskBody
 * text are derived from the medians: MB/s = taskBodyBytes / time.
 */
import { SaxesParser } from 'saxes';
import type { BenchCase } from './protocol.js';
import { formatCount, shared } from './protocol.js';
import { makeWorkload, type ShapeName } from '../src/workload/shapes.js';
import { jobFromGraph } from '../src/workload/ams-job.js';
import { validateJob } from '../src/validate/validate.js';
import { sequentialIds } from '../src/job/ids.js';

interface Input {
  json: string;
  bodies: string[];
  bodyChars: number;
}

function prepare(shape: ShapeName, n: number): Input {
  const def = jobFromGraph(makeWorkload(shape, n));
  const bodies = def.Tasks!.map((t) => t.TaskBody);
  return { json: JSON.stringify(def), bodies, bodyChars: bodies.reduce((s, b) => s + b.length, 0) };
}

function saxesAlone(input: Input): number {
  const parser = new SaxesParser();
  let elements = 0;
  parser.on('opentag', () => void elements++);
  parser.on('text', () => {});
  for (const b of input.bodies) {
    parser.write(b);
    parser.close();
  }
  return elements;
}

export const cases: BenchCase[] = [];
for (const shape of ['media', 'layered'] as ShapeName[]) {
  for (const n of [10_000, 100_000]) {
    const input = shared(() => prepare(shape, n));
    const row = `${shape} ${formatCount(n)}`;
    const batch = `validate/${shape}/${n}`;
    cases.push({
      id: `validate/${shape}/${n}/ours`,
      table: 'validate',
      row,
      impl: 'validateJob (JSON text → diagnostics)',
      role: 'ours',
      n,
      baseline: 'saxes alone (TaskBodies only)',
      batch,
      memory: false,
      setup: input,
      run: (i: Input) => {
        const r = validateJob(i.json, { profile: 'relaxed', ids: sequentialIds() });
        if (!r.valid) throw new Error(r.diagnostics[0]?.message);
        return r.job!.Tasks.length;
      },
    });
    cases.push({
      id: `validate/${shape}/${n}/saxes`,
      table: 'validate',
      row,
      impl: 'saxes alone (TaskBodies only)',
      role: 'reference',
      n,
      batch,
      memory: false,
      setup: input,
      run: saxesAlone,
    });
  }
}
