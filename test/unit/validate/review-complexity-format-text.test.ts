/**
 * formatDiagnosticText (what `jobgraph validate` prints): the line starts of the texts excerpts
 * are cut from are remembered for a few texts, so diagnostics that point into the file and into a
 * TaskBody in turn do not find the file's lines again for each task.
 */
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../src/diagnostics/diagnostic.js';
import { formatSarif } from '../../../src/validate/format-sarif.js';
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

describe('formatDiagnosticText and formatSarif: input', () => {
  const d: Diagnostic = { code: 'UNKNOWN_PROPERTY', severity: 'warning', message: 'm', task: 0 };

  it('formatDiagnosticText rejects a diagnostic that is not one, or options null, with a typed error (it crashed, or printed "undefined" and "[object Object]")', () => {
    const cases: Array<[unknown[], RegExp, string]> = [
      [['f.json', undefined], /^formatDiagnosticText: expected `diagnostic` to be an object \{ code, severity, message \}, got `undefined` \(undefined\)$/, 'ERR_INVALID_ARG_TYPE'],
      [['f.json', null], /expected `diagnostic` to be an object \{ code, severity, message \}, got `null`/, 'ERR_INVALID_ARG_TYPE'],
      [['f.json', d, null], /^formatDiagnosticText: expected `options` to be an object, got `null` \(null\)$/, 'ERR_INVALID_ARG_TYPE'],
      [[undefined, d], /expected `file` to be a string, got `undefined`/, 'ERR_INVALID_ARG_TYPE'],
      [['f.json', { ...d, code: undefined }], /expected `diagnostic.code` to be a string, got `undefined`/, 'ERR_INVALID_ARG_TYPE'],
      [['f.json', { ...d, message: { text: 'm' } }], /expected `diagnostic.message` to be a string, got `\{ text: "m" \}` \(object\)/, 'ERR_INVALID_ARG_TYPE'],
      [['f.json', { ...d, hint: 5 }], /expected `diagnostic.hint` to be a string, got `5`/, 'ERR_INVALID_ARG_TYPE'],
      [['f.json', { ...d, severity: 'info' }], /expected `diagnostic.severity` to be 'error' or 'warning', got `"info"`/, 'ERR_INVALID_ARG_VALUE'],
    ];
    for (const [args, message, code] of cases) {
      const call = (): string => (formatDiagnosticText as (...a: unknown[]) => string)(...args);
      expect(call, String(message)).toThrow(message);
      expect(call, String(message)).toThrow(expect.objectContaining({ name: 'TypeError', code }));
    }
    expect(formatDiagnosticText('f.json', d)).toBe('f.json: task #0: warning UNKNOWN_PROPERTY: m');
  });

  it('formatSarif rejects files that are not { file, diagnostics } with a typed error (it crashed, or wrote a result of ruleId undefined)', () => {
    const cases: Array<[unknown[], RegExp]> = [
      [[undefined, '1.0.0'], /^formatSarif: expected `files` to be an array of \{ file, diagnostics \}, got `undefined` \(undefined\)$/],
      [[[null], '1.0.0'], /expected `files\[0\]` to be an object \{ file, diagnostics \}, got `null`/],
      [[[{ diagnostics: [d] }], '1.0.0'], /expected `files\[0\].file` to be a string, got `undefined`/],
      [[[{ file: 'f.json' }], '1.0.0'], /expected `files\[0\].diagnostics` to be an array, got `undefined`/],
      [[[{ file: 'f.json', diagnostics: [d, undefined] }], '1.0.0'], /expected `files\[0\].diagnostics\[1\]` to be an object \{ code, severity, message \}, got `undefined`/],
      [[[{ file: 'f.json', diagnostics: [{ ...d, code: 7 }] }], '1.0.0'], /expected `files\[0\].diagnostics\[0\].code` to be a string, got `7`/],
      [[[{ file: 'f.json', diagnostics: [d], physical: true }], '1.0.0'], /expected `files\[0\].physical` to be a function, got `true`/],
      [[[], undefined], /expected `version` to be a string, got `undefined`/],
    ];
    for (const [args, message] of cases) {
      const call = (): object => (formatSarif as (...a: unknown[]) => object)(...args);
      expect(call, String(message)).toThrow(message);
      expect(call, String(message)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }));
    }
    const sarif = formatSarif([{ file: 'f.json', diagnostics: [d] }], '1.0.0') as { runs: Array<{ results: Array<{ ruleId: string }> }> };
    expect(sarif.runs[0]!.results[0]!.ruleId).toBe('UNKNOWN_PROPERTY');
  });
});
