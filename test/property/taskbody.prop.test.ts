import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTaskBody } from '../../src/taskbody/parse.js';
import { serializeTaskBody, type SerializableOutputAsset, type SerializableTaskBody, type SerializeTaskBodyOptions } from '../../src/taskbody/serialize.js';
import type { AssetRef, ParsedTaskBody } from '../../src/taskbody/types.js';
import { CODES } from '../../src/diagnostics/codes.js';

// The seed is fixed by test/setup.ts in CI (FC_SEED replays a failure).

/** Characters XML 1.0 cannot hold at all: the generator leaves them out of valid bodies. */
const NOT_XML = /[\0-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Attribute text with everything that needs escaping, white space that normalisation would eat, and more. */
const attributeText = fc
  .string({
    unit: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom('&', '<', '>', '"', "'", '\t', '\n', '\r', '\r\n', ' ', ']]>', '&amp;', '&#10;', '”', '😀', '\u00a0', '\ufeff', ';') },
      { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
    ),
    maxLength: 12,
  })
  .map((s) => s.replace(NOT_XML, ''));

const index = fc.oneof({ weight: 8, arbitrary: fc.nat(60) }, { weight: 1, arbitrary: fc.constantFrom(Number.MAX_SAFE_INTEGER, 2 ** 31, 1e15) });
const inputRef: fc.Arbitrary<AssetRef> = fc.record({ kind: fc.constantFrom('JobInputAsset' as const, 'JobOutputAsset' as const), index });
const outputAsset: fc.Arbitrary<SerializableOutputAsset> = fc.record(
  {
    kind: fc.constant('JobOutputAsset' as const),
    index,
    assetCreationOptions: fc.constantFrom(0, 1, 2, 4),
    assetName: attributeText,
    storageAccountName: attributeText,
    assetFormatOption: fc.constantFrom(0, 1),
  },
  { requiredKeys: ['kind', 'index'] },
);
const taskBody: fc.Arbitrary<SerializableTaskBody> = fc.record({
  inputs: fc.array(inputRef, { minLength: 1, maxLength: 5 }),
  outputs: fc.array(outputAsset, { minLength: 1, maxLength: 4 }),
});
const options: fc.Arbitrary<SerializeTaskBodyOptions> = fc.record({
  prolog: fc.boolean(),
  pretty: fc.boolean(),
  attributeCase: fc.constantFrom('camelCase' as const, 'PascalCase' as const),
});
/** Line endings the service and editors produce: pretty output rewritten to CRLF or CR. */
const lineEnding = fc.constantFrom('\n', '\r\n', '\r');

function serialize(body: SerializableTaskBody, opts: SerializeTaskBodyOptions, eol: string): string {
  const xml = serializeTaskBody(body, opts);
  // Only the pretty layout's own line breaks: attribute values are escaped (&#10;), never raw.
  return eol === '\n' ? xml : xml.replace(/\n/g, eol);
}

/** What parseTaskBody must give for a body the serializer wrote, positions aside. */
function expectedEntries(body: SerializableTaskBody): { inputs: unknown[]; outputs: unknown[] } {
  return {
    inputs: body.inputs.map((ref) => ({ ref: { kind: ref.kind, index: ref.index }, text: `${ref.kind}(${ref.index})` })),
    outputs: body.outputs.map((o) => {
      const e: Record<string, unknown> = { ref: { kind: o.kind, index: o.index }, text: `${o.kind}(${o.index})` };
      if (o.assetCreationOptions !== undefined) e['assetCreationOptions'] = o.assetCreationOptions;
      if (o.assetName !== undefined) e['assetName'] = o.assetName;
      if (o.storageAccountName !== undefined) e['storageAccountName'] = o.storageAccountName;
      if (o.assetFormatOption !== undefined) e['assetFormatOption'] = o.assetFormatOption;
      return e;
    }),
  };
}

function withoutPositions(r: ParsedTaskBody): { inputs: unknown[]; outputs: unknown[] } {
  const strip = ({ line: _l, column: _c, ...rest }: { line: number; column: number }): unknown => rest;
  return { inputs: r.inputs.map(strip), outputs: r.outputs.map(strip) };
}

/** Lines as LineMap counts them: LF, CRLF and CR end a line. */
function linesOf(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  let l = 1;
  const re = /\r\n|\r|\n/g;
  while (l < line) {
    const m = re.exec(text)!;
    offset = m.index + m[0].length;
    l++;
  }
  return offset + column - 1;
}

describe('parseTaskBody() properties', () => {
  it('parseTaskBody() reads back exactly what serializeTaskBody() wrote, each element located at its <', () => {
    fc.assert(
      fc.property(taskBody, options, lineEnding, (body, opts, eol) => {
        const xml = serialize(body, opts, eol);
        const r = parseTaskBody(xml);
        expect(r.problems).toEqual([]);
        expect(withoutPositions(r)).toEqual(expectedEntries(body));
        for (const e of r.inputs) expect(xml.startsWith('<inputAsset>', offsetOf(xml, e.line, e.column))).toBe(true);
        for (const e of r.outputs) expect(xml.startsWith('<outputAsset', offsetOf(xml, e.line, e.column))).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  const TOKENS = [
    '<', '>', '&', '"', "'", '”', '“', '’', '=', '/', ';', ' ', '\n', '\r', '\r\n', '\t', '\0', '\u0001', '\uD800', '\uDC00', '\uFFFF', '\uFEFF',
    '<!DOCTYPE', '<!DOCTYPE x>', '<!DOCTYPE x [<!ENTITY a "&a;&a;">]>', '<!doctype', '<!ENTITY', '<!', '<!--', '-->', '--', '<![CDATA[', ']]>', '<?', '?>',
    '<?xml version="1.0"?>', '&amp;', '&#', '&#0;', '&#x110000;', '&lol;', '</', '/>', '<taskBody>', '</taskBody>', '<inputAsset>', '</inputAsset>',
    '<outputAsset>', '</outputAsset>', 'JobInputAsset(0)', 'JobOutputAsset(1)', 'xmlns="urn:x"', 'p:',
  ];
  type Mutation = { op: 'drop' | 'insert' | 'swap' | 'dup'; at: number; len: number; token: string; to: number };
  const mutation: fc.Arbitrary<Mutation> = fc.record({
    op: fc.constantFrom('drop' as const, 'insert' as const, 'swap' as const, 'dup' as const),
    at: fc.nat(),
    len: fc.integer({ min: 1, max: 8 }),
    token: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ unit: 'binary', maxLength: 2 })),
    to: fc.nat(),
  });
  function mutate(xml: string, ms: Mutation[]): string {
    let s = xml;
    for (const m of ms) {
      const at = s.length === 0 ? 0 : m.at % (s.length + 1);
      if (m.op === 'drop') s = s.slice(0, at) + s.slice(at + m.len);
      else if (m.op === 'insert') s = s.slice(0, at) + m.token + s.slice(at);
      else if (m.op === 'dup') s = s.slice(0, at) + s.slice(at, at + m.len).repeat(3) + s.slice(at);
      else if (s.length > 1) {
        const a = at % s.length;
        const b = m.to % s.length;
        const [i, j] = a < b ? [a, b] : [b, a];
        s = s.slice(0, i) + s.charAt(j) + s.slice(i + 1, j) + s.charAt(i) + s.slice(j + 1);
      }
    }
    return s;
  }
  const mutated = fc.tuple(taskBody, options, lineEnding, fc.array(mutation, { minLength: 1, maxLength: 5 })).map(([body, opts, eol, ms]) => ({
    valid: serialize(body, opts, eol),
    body,
    xml: mutate(serialize(body, opts, eol), ms),
  }));

  it('parseTaskBody() only ever reports catalogued, located problems on mutated TaskBodies, and never throws', () => {
    fc.assert(
      fc.property(mutated, ({ xml }) => {
        const r = parseTaskBody(xml);
        const lines = linesOf(xml);
        const inRange = (p: { line: number; column: number }): boolean =>
          Number.isInteger(p.line) && Number.isInteger(p.column) && p.line >= 1 && p.line <= lines.length && p.column >= 1 && p.column <= lines[p.line - 1]!.length + 1;
        for (const p of r.problems) {
          expect(Object.keys(CODES)).toContain(p.code);
          expect(typeof p.message).toBe('string');
          expect(inRange(p), `${p.code} at ${p.line}:${p.column}`).toBe(true);
        }
        for (const e of [...r.inputs, ...r.outputs]) {
          expect(inRange(e)).toBe(true);
          if (e.ref !== null) expect(Number.isSafeInteger(e.ref.index) && e.ref.index >= 0).toBe(true);
        }
        // In document order.
        for (let i = 1; i < r.problems.length; i++) {
          const a = r.problems[i - 1]!;
          const b = r.problems[i]!;
          expect(a.line < b.line || (a.line === b.line && a.column <= b.column)).toBe(true);
        }
        // A valid TaskBody has no problem; one with an error-severity problem is not one.
        expect(r.problems.filter((p) => p.code === 'XML_MALFORMED').length).toBeLessThanOrEqual(10);
      }),
      { numRuns: 3000 },
    );
  });

  it('parseTaskBody() gives the same answer twice, and the right one for a valid body after a malformed one', () => {
    fc.assert(
      fc.property(mutated, taskBody, options, ({ xml }, body, opts) => {
        const first = parseTaskBody(xml);
        expect(parseTaskBody(xml)).toEqual(first);
        const valid = serializeTaskBody(body, opts);
        const r = parseTaskBody(valid);
        expect(r.problems).toEqual([]);
        expect(withoutPositions(r)).toEqual(expectedEntries(body));
      }),
      { numRuns: 1500 },
    );
  });

  it('parseTaskBody() reports no problem that is not there: white space, comments and PIs between elements change nothing', () => {
    const filler = fc.array(fc.constantFrom(' ', '\n', '\r\n', '\r', '\t', '<!-- c -->', '<?pi x?>', '<!---->'), { maxLength: 3 }).map((xs) => xs.join(''));
    fc.assert(
      fc.property(taskBody, fc.array(filler, { minLength: 16, maxLength: 16 }), (body, fills) => {
        let k = 0;
        const xml = serializeTaskBody(body).replace(/></g, () => `>${fills[k++ % fills.length]}<`);
        const r = parseTaskBody(xml);
        expect(r.problems).toEqual([]);
        expect(withoutPositions(r)).toEqual(expectedEntries(body));
      }),
      { numRuns: 1000 },
    );
  });
});
