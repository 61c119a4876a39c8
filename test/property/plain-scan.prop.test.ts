import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTaskBody, parseTaskBodyWithSaxes } from '../../src/taskbody/parse.js';
import { COMMON_MAX_LENGTH, packPlainRefs, refsOfScan, scanPlainRefs, scanPlainTaskBody, type RefPacker } from '../../src/taskbody/plain-scan.js';
import { serializeTaskBody } from '../../src/taskbody/serialize.js';
import { jobFromGraph } from '../../src/workload/ams-job.js';
import { makeWorkload } from '../../src/workload/shapes.js';
import { generateWorkload } from '../../src/workload/stream.js';

// The seed is fixed by test/setup.ts in CI (FC_SEED replays a failure).

/**
 * Documents near the plain grammar of plain-scan.ts, and just outside it: every piece is drawn from
 * plain forms and from slips (other quotes, CR, entities, comments, leading zeros, unknown
 * attributes, non-ASCII), so both roads are taken often.
 */
/** A packer as the loader's: appends, growing its array when needed; `used` is where the next value goes. */
function growingPacker(): RefPacker & { used: number } {
  return {
    data: new Int32Array(8),
    used: 0,
    reserve(n: number): number {
      const at = this.used;
      this.used += n;
      if (this.data.length < this.used) {
        const grown = new Int32Array(this.used * 2);
        grown.set(this.data);
        this.data = grown;
      }
      return at;
    },
  };
}

/** Mostly one of `plain`, now and then one of `slips`. */
function mostly<T>(plain: fc.Arbitrary<T>, slips: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ weight: 25, arbitrary: plain }, { weight: 1, arbitrary: slips });
}
const ws = mostly(fc.constantFrom('', '', ' ', '\n', '\t', '\n  '), fc.constantFrom('\r\n', '\r', '\u00a0', '\u2028'));
const index = mostly(fc.nat(40).map(String), fc.constantFrom('01', '00', ' 3', '3 ', '', 'x', '9007199254740993', '&#49;', '-1', '999999999', '1000000000', '1073741823', '1073741824'));
const junkText = mostly(fc.constant(''), fc.constantFrom('>', ']]>', 'é', '&amp;', '<!--c-->', '\u0001'));
const refText = (kinds: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc
    .tuple(ws, mostly(kinds, fc.constantFrom('jobOutputAsset', 'JobOutputAssets', 'JobInputAsset', 'Job OutputAsset')), index, junkText, ws)
    .map(([a, kind, i, junk, b]) => `${a}${kind}(${i})${junk}${b}`);
const attrName = mostly(
  fc.constantFrom('assetCreationOptions', 'AssetCreationOptions', 'assetName', 'AssetName', 'storageAccountName', 'StorageAccountName', 'assetFormatOption', 'AssetFormatOption'),
  fc.constantFrom('assetname', 'xmlns', 'foo', 'p:assetName'),
);
const attrValue = mostly(
  fc.oneof(fc.constantFrom('0', '1', '2', '4'), fc.string({ unit: fc.constantFrom('a', 'B', ' ', '-', '_', '.', '9'), maxLength: 8 })),
  fc.constantFrom('3', '01', ' 1', '', 'x', 'a\tb', 'a\nb', '&amp;', '&#10;', '>', "'", 'ü', '😀', '\ud800'),
);
const attribute = fc
  .tuple(mostly(fc.constantFrom(' ', '  ', '\n', '\t'), fc.constantFrom('', '\r\n')), attrName, mostly(fc.constant('='), fc.constantFrom(' =', '= ', ' = ')), mostly(fc.constant('"'), fc.constant("'")), attrValue)
  .map(([s, n, eq, q, v]) => `${s}${n}${eq}${q}${v}${q}`);
const input = fc
  .tuple(ws, refText(fc.constantFrom('JobInputAsset', 'JobOutputAsset')), mostly(fc.constant('inputAsset'), fc.constantFrom('InputAsset', 'inputAsset ', 'inputAsset/')))
  .map(([s, t, name]) => (name.endsWith('/') ? `${s}<${name}>` : `${s}<${name}>${t}</${name.trim()}>`));
const output = fc
  .tuple(ws, fc.array(attribute, { maxLength: 2 }), fc.constantFrom('', '', ' ', '\n'), refText(fc.constant('JobOutputAsset')))
  .map(([s, attrs, tail, t]) => `${s}<outputAsset${attrs.join('')}${tail}>${t}</outputAsset>`);
const junk = fc.constantFrom('<!-- note -->', '<foo/>', 'text', '<![CDATA[x]]>', '&amp;', '<?pi x?>', '</taskBody>', '<taskBody>', '<!DOCTYPE x>');
const child = fc.oneof({ weight: 8, arbitrary: input }, { weight: 8, arbitrary: output }, { weight: 1, arbitrary: junk });
const decl = mostly(
  fc.constantFrom('', '', '<?xml version="1.0"?>', '<?xml version="1.0" encoding="utf-8"?>', '<?xml version="1.0" encoding="UTF-8"?>'),
  fc.constantFrom("<?xml version='1.0'?>", '<?xml version="1.0" encoding="utf-16"?>', '<?xml version="1.0" standalone="yes"?>', '<?xml version="1.1"?>', '\ufeff', ' <?xml version="1.0"?>'),
);
const root = mostly(fc.constant('<taskBody>'), fc.constantFrom('<taskBody >', '<taskBody taskTemplateId="x">', '<TaskBody>', '<taskBody xmlns="">'));
const close = mostly(fc.constant('</taskBody>'), fc.constantFrom('</TaskBody>', '', '</taskBody >'));
const tail = mostly(fc.constant(''), fc.constantFrom('x', '<a/>', '<!--c-->', '\r\n'));
const document = fc
  .tuple(decl, ws, root, input, fc.array(child, { maxLength: 3 }), output, ws, close, ws, tail)
  .map(([d, s1, r, first, children, last, s2, c, s3, t]) => `${d}${s1}${r}${first}${children.join('')}${last}${s2}${c}${s3}${t}`);

/** That `refs` (a reader's references and outputs) are what the saxes reader's entries say. */
function expectSaxesRefs(xml: string, refs: { inputs: unknown[]; outputs: unknown[] }): void {
  const slow = parseTaskBodyWithSaxes(xml);
  expect(refs.inputs).toStrictEqual(slow.inputs.map((e) => e.ref));
  expect(refs.outputs).toStrictEqual(
    slow.outputs.map((e) => ({
      index: e.ref!.index,
      assetCreationOptions: e.assetCreationOptions ?? -1,
      assetName: e.assetName,
      storageAccountName: e.storageAccountName,
      assetFormatOption: e.assetFormatOption ?? -1,
    })),
  );
}

describe('the plain TaskBody scan', () => {
  it('gives exactly what the saxes reader gives, or leaves the document to it', () => {
    let taken = 0;
    let runs = 0;
    fc.assert(
      fc.property(document, (xml) => {
        runs++;
        const fast = scanPlainTaskBody(xml);
        if (fast === undefined) return;
        taken++;
        const slow = parseTaskBodyWithSaxes(xml);
        expect(slow.problems).toEqual([]);
        expect(fast).toStrictEqual(slow);
      }),
      { numRuns: 3000 },
    );
    // Both roads are taken: the property would be empty if the scan refused everything.
    expect(taken).toBeGreaterThan(runs / 20);
    expect(taken).toBeLessThan(runs);
  });

  it("hands the loader the references of the saxes reader's entries, and the same outputs", () => {
    fc.assert(
      fc.property(document, (xml) => {
        const refs = scanPlainRefs(xml, (o) => ({ ...o }));
        expect(refs === undefined).toBe(scanPlainTaskBody(xml) === undefined);
        if (refs === undefined) return;
        expectSaxesRefs(xml, refs);
      }),
      { numRuns: 1500 },
    );
  });

  it('packs for the loader what the scan reads: the same references, or the same refusal', () => {
    // What packPlainRefs must give, from the scan's entries: -1 for a document the scan refuses,
    // -2 for one with an output attribute or an index past 2^30, else the packed references.
    const expected = (xml: string): number[] | -1 | -2 => {
      const entries = scanPlainTaskBody(xml);
      if (entries === undefined) return -1;
      const all = [...entries.inputs, ...entries.outputs];
      if (all.some((e) => e.ref!.index > 0x3fffffff)) return -2;
      if (entries.outputs.some((e) => e.assetCreationOptions !== undefined || e.assetName !== undefined || e.storageAccountName !== undefined || e.assetFormatOption !== undefined)) return -2;
      return [entries.inputs.length, entries.outputs.length, ...entries.inputs.map((e) => e.ref!.index * 2 + (e.ref!.kind === 'JobOutputAsset' ? 1 : 0)), ...entries.outputs.map((e) => e.ref!.index)];
    };
    const packer = growingPacker();
    let packed = 0;
    let attributed = 0;
    fc.assert(
      fc.property(document, (xml) => {
        const want = expected(xml);
        const at = packPlainRefs(xml, packer);
        if (typeof want === 'number') {
          expect(at, xml).toBe(want);
          if (at !== -2) return;
          // Plain, but not packed: the loader reads the references from what was just scanned.
          attributed++;
          expectSaxesRefs(xml, refsOfScan((o) => ({ ...o })));
          return;
        }
        packed++;
        expect(at, xml).toBeGreaterThanOrEqual(0);
        expect(Array.from(packer.data.subarray(at, at + want.length)), xml).toEqual(want);
      }),
      { numRuns: 3000 },
    );
    expect(packed).toBeGreaterThan(100);
    expect(attributed).toBeGreaterThan(100);
  });

  it('packs again the TaskBody last packed at a task position as the scan packs it, and another one afresh', () => {
    const packed = (xml: string, position: number): number[] | number => {
      const p = growingPacker();
      const at = packPlainRefs(xml, p, position);
      return at < 0 ? at : Array.from(p.data.subarray(at, p.used));
    };
    // A document at one position twice (the second time a copy of it), then another: each packs
    // as it does with no position, where nothing is kept.
    let repeats = 0;
    fc.assert(
      fc.property(document, document, fc.constantFrom(0, 5, 63, 64), (first, other, position) => {
        const want = packed(first, -1);
        expect(packed(first, position), first).toEqual(want);
        expect(packed([...first].join(''), position), first).toEqual(want);
        expect(packed(other, position), other).toEqual(packed(other, -1));
        if (typeof want !== 'number') repeats++;
      }),
      { numRuns: 2000 },
    );
    expect(repeats).toBeGreaterThan(50);
    // Documents of one length that differ in an index, one after another at one position.
    const a = '<taskBody><inputAsset>JobInputAsset(1)</inputAsset><outputAsset>JobOutputAsset(2)</outputAsset></taskBody>';
    for (const k of [2, 3, 3, 2]) expect(packed(a.replace('(2)', `(${k})`), 7)).toEqual([1, 1, 2, k]);
  });

  it('takes every TaskBody the workload generators and the serializer write', () => {
    const bodies: string[] = [];
    for (const shape of ['layered', 'fan', 'chain', 'media'] as const) bodies.push(...jobFromGraph(makeWorkload(shape, 300)).Tasks!.map((t) => t.TaskBody as string));
    for (const job of generateWorkload('ams-mix', { jobs: 40, seed: 7 }).jobs) bodies.push(...job.definition.Tasks!.map((t) => t.TaskBody as string));
    for (const prolog of [false, true]) {
      for (const pretty of [false, true]) {
        bodies.push(
          serializeTaskBody(
            { inputs: [{ kind: 'JobInputAsset', index: 0 }], outputs: [{ kind: 'JobOutputAsset', index: 0, assetName: 'Encoded - 1080p', assetCreationOptions: 1, storageAccountName: 'media01' }] },
            { prolog, pretty },
          ),
        );
      }
    }
    // As the service gives a TaskBody back: a UTF-16 prolog, CRLF, indented.
    bodies.push(...bodies.slice(-2).map((b) => b.replace('encoding="utf-8"', 'encoding="utf-16"').replace(/\n/g, '\r\n')));
    for (const xml of bodies) {
      const fast = scanPlainTaskBody(xml);
      expect(fast, xml).toBeDefined();
      expect(fast).toStrictEqual(parseTaskBodyWithSaxes(xml));
    }
  });

  it('packs a TaskBody too long for the regular expression through the scan, and one of millions of elements without throwing', () => {
    const packer: RefPacker = { data: new Int32Array(16), reserve(n: number) { if (this.data.length < n) this.data = new Int32Array(n); return 0; } };
    const element = '<inputAsset>JobOutputAsset(7)</inputAsset>';
    for (const count of [Math.ceil(COMMON_MAX_LENGTH / element.length) + 1, 3_000_000]) {
      const xml = `<taskBody>${element.repeat(count)}<outputAsset>JobOutputAsset(8)</outputAsset></taskBody>`;
      expect(xml.length).toBeGreaterThan(COMMON_MAX_LENGTH);
      expect(packPlainRefs(xml, packer)).toBe(0);
      expect(packer.data[0]).toBe(count);
      expect(packer.data[2 + count - 1]).toBe(15);
      expect(packer.data[2 + count]).toBe(8);
    }
  });

  it('reads a TaskBody too long for the whole pattern an element at a time, as the scan reads it', () => {
    // A slip at the start, in the middle or at the end of a long document: refused as the scan
    // refuses it, or read as the scan reads it.
    const element = '\n  <inputAsset>JobOutputAsset(7)</inputAsset>';
    const count = Math.ceil(COMMON_MAX_LENGTH / element.length) + 1;
    const half = element.repeat(count / 2);
    const output = '<outputAsset>JobOutputAsset(8)</outputAsset>';
    const packer: RefPacker = { data: new Int32Array(16), reserve(n: number) { if (this.data.length < n) this.data = new Int32Array(n); return 0; } };
    const cases: Array<[string, string]> = [
      ['plain', `<?xml version="1.0"?>\n<taskBody>${half}${half}\n${output}\n</taskBody>\n`],
      ['a leading zero in the middle', `<taskBody>${half}<inputAsset>JobOutputAsset(07)</inputAsset>${half}${output}</taskBody>`],
      ['a misspelt end tag in the middle', `<taskBody>${half}<inputAsset>JobOutputAsset(7)</inputasset>${half}${output}</taskBody>`],
      ['text between elements', `<taskBody>${half}x${half}${output}</taskBody>`],
      ['text after the root', `<taskBody>${half}${half}${output}</taskBody>x`],
      ['an unknown declaration', `<?xml version="1.1"?><taskBody>${half}${half}${output}</taskBody>`],
      ['no output', `<taskBody>${half}${half}</taskBody>`],
      ['an output attribute', `<taskBody>${half}<outputAsset assetName="a b">JobOutputAsset(9)</outputAsset>${half}${output}</taskBody>`],
    ];
    for (const [what, xml] of cases) {
      expect(xml.length, what).toBeGreaterThan(COMMON_MAX_LENGTH);
      const scanned = scanPlainTaskBody(xml);
      const at = packPlainRefs(xml, packer);
      if (scanned === undefined) {
        expect(at, what).toBe(-1);
        continue;
      }
      const attributed = scanned.outputs.some((o) => o.assetName !== undefined);
      expect(at, what).toBe(attributed ? -2 : 0);
      const refs = refsOfScan((o) => o.index);
      expect(refs.inputs, what).toStrictEqual(scanned.inputs.map((e) => e.ref));
      expect(refs.outputs, what).toStrictEqual(scanned.outputs.map((e) => e.ref!.index));
    }
  });

  it('reads a TaskBody of many assets (its rows grow past their first 16)', () => {
    const inputs = Array.from({ length: 40 }, (_, i) => `<inputAsset>JobOutputAsset(${i})</inputAsset>`).join('\n');
    const outputs = Array.from({ length: 20 }, (_, i) => `<outputAsset assetName="o${i}">JobOutputAsset(${100 + i})</outputAsset>`).join('\r\n');
    const xml = `<taskBody>${inputs}\n${outputs}</taskBody>`;
    const fast = scanPlainTaskBody(xml);
    expect(fast?.inputs).toHaveLength(40);
    expect(fast).toStrictEqual(parseTaskBodyWithSaxes(xml));
  });

  it('ends on every cut of a document, refusing the cut ones', () => {
    const xml = '<?xml version="1.0"?>\n<taskBody>\n  <inputAsset>JobInputAsset(0)</inputAsset>\n  <outputAsset assetName="a b" assetCreationOptions="1">JobOutputAsset(0)</outputAsset>\n</taskBody>\n';
    for (let end = 0; end < xml.length; end++) {
      const cut = xml.slice(0, end);
      if (cut.trimEnd() === xml.trimEnd()) expect(scanPlainTaskBody(cut)).toStrictEqual(parseTaskBodyWithSaxes(cut));
      else expect(scanPlainTaskBody(cut), cut).toBeUndefined();
    }
  });

  it('leaves a broken or unusual TaskBody to saxes, which explains it', () => {
    const cases: Array<[string, string]> = [
      ['<taskBody><inputAsset>JobInputAsset(01)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody>', 'ASSET_REF_LEADING_ZERO'],
      ['<taskBody><inputAsset>JobInputAsset(0)</inputAsset></taskBody>', 'TASKBODY_NO_OUTPUT'],
      ['<taskBody>\n  <outputAsset>JobOutputAsset(0)</outputAsset>\n</taskBody>', 'TASKBODY_NO_INPUT'],
      ['<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset assetCreationOptions="3">JobOutputAsset(0)</outputAsset></taskBody>', 'ASSET_CREATION_OPTIONS_INVALID'],
      ['<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskbody>', 'XML_MALFORMED'],
    ];
    const packer: RefPacker = { data: new Int32Array(16), reserve: () => 0 };
    for (const [xml, code] of cases) {
      expect(scanPlainTaskBody(xml)).toBeUndefined();
      expect(packPlainRefs(xml, packer)).toBe(-1);
      expect(parseTaskBody(xml).problems.map((p) => p.code)).toContain(code);
    }
  });
});
