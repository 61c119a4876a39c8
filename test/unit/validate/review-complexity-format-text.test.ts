/**
 * formatDiagnosticText (what `jobgraph validate` prints): the line starts of the texts excerpts
 * are cut from are remembered for a few texts, so diagnostics that point into the file and into a
 * TaskBody in turn do not find the file's lines again for each task.
 */
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../src/diagnostics/diagnostic.js';
import { formatDiagnosticText } from '../../../src/validate/format-text.js';

describe('formatDiagnosticText: cost', () => {
  it('prints 500 tasks pointing into a file of 400,000 lines and into their TaskBodies in turn in linear time (took 24 s)', () => {
    const fileText = `{\n${'\n'.repeat(400_000)}}`;
    const bodies = Array.from({ length: 500 }, (_, i) => `<taskBody>\n<x${i}/>\n</taskBody>`);
    const t0 = performance.now();
    const out: string[] = [];
    for (let t = 0; t < 500; t++) {
      const sourceOf = (): string => bodies[t]!;
      const inFile: Diagnostic = { code: 'UNKNOWN_PROPERTY', severity: 'warning', message: 'm', task: t, property: 'Zzz', fileLine: 2 + t, fileColumn: 1 };
      const inBody: Diagnostic = { code: 'TASKBODY_UNKNOWN_ELEMENT', severity: 'error', message: 'm', task: t, line: 2, column: 1, fileLine: 2 + t, fileColumn: 5 };
      out.push(formatDiagnosticText('f.json', inFile, { fileText, sourceOf }), formatDiagnosticText('f.json', inBody, { fileText, sourceOf }));
    }
    const ms = performance.now() - t0;
    expect(out[2]).toBe('f.json:3:1: task #1: warning UNKNOWN_PROPERTY: m\n    3 | \n      | ^');
    expect(out[999]).toBe('f.json:501:5: task #499, TaskBody 2:1: error TASKBODY_UNKNOWN_ELEMENT: m\n    2 | <x499/>\n      | ^');
    expect(ms).toBeLessThan(4_000);
  }, 120_000);
});
