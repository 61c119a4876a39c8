import { describe, expect, it } from 'vitest';
import { explainAssetRef, formatAssetRef, parseAssetRef, trimXmlSpace } from '../../../src/taskbody/asset-ref.js';
import type { AssetRef } from '../../../src/taskbody/types.js';
import { scanPlainTaskBody } from '../../../src/taskbody/plain-scan.js';
import { parseTaskBodyWithSaxes } from '../../../src/taskbody/parse.js';

describe('parseAssetRef()', () => {
  it('parseAssetRef() reads JobInputAsset(n) and JobOutputAsset(n) as numbers', () => {
    expect(parseAssetRef('JobInputAsset(0)')).toEqual({ kind: 'JobInputAsset', index: 0 });
    expect(parseAssetRef('JobOutputAsset(42)')).toEqual({ kind: 'JobOutputAsset', index: 42 });
    expect(parseAssetRef('JobOutputAsset(9007199254740991)')).toEqual({ kind: 'JobOutputAsset', index: Number.MAX_SAFE_INTEGER });
  });

  it('parseAssetRef() ignores XML white space around the reference, and nothing else', () => {
    expect(parseAssetRef(' \t\r\nJobInputAsset(1)\n ')).toEqual({ kind: 'JobInputAsset', index: 1 });
    expect(parseAssetRef('\u00a0JobInputAsset(1)')).toBeNull();
  });

  it('parseAssetRef() returns null for anything else', () => {
    for (const bad of ['', 'jobinputasset(0)', 'JobInputAsset( 0)', 'JobInputAsset(-1)', 'JobInputAsset(1e3)', 'JobInputAsset()', 'JobInputAsset(0)x', 'JobInputAsset(9007199254740992)', 'JobInputAsset(99999999999999999999)', 'JobAsset(0)']) {
      expect(parseAssetRef(bad)).toBeNull();
    }
  });

  it('parseAssetRef() throws ArgumentTypeError for a non-string', () => {
    expect(() => parseAssetRef(0 as unknown as string)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });
});

describe('formatAssetRef()', () => {
  it('formatAssetRef() writes the reference', () => {
    expect(formatAssetRef({ kind: 'JobInputAsset', index: 3 })).toBe('JobInputAsset(3)');
    expect(formatAssetRef({ kind: 'JobOutputAsset', index: 0 })).toBe('JobOutputAsset(0)');
  });

  it('formatAssetRef() and parseAssetRef() are inverses', () => {
    for (const ref of [{ kind: 'JobInputAsset', index: 0 }, { kind: 'JobOutputAsset', index: 123456 }] as AssetRef[]) {
      expect(parseAssetRef(formatAssetRef(ref))).toEqual(ref);
    }
  });

  it('formatAssetRef() refuses a wrong kind with ArgumentTypeError and a wrong index with ArgumentRangeError', () => {
    expect(() => formatAssetRef({ kind: 'JobAsset', index: 0 } as unknown as AssetRef)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => formatAssetRef(null as unknown as AssetRef)).toThrow(expect.objectContaining({ name: 'TypeError' }));
    for (const index of [-1, 1.5, Number.NaN, 2 ** 53, '1']) {
      expect(() => formatAssetRef({ kind: 'JobInputAsset', index } as AssetRef)).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }));
    }
  });
});

describe('explainAssetRef()', () => {
  it('explainAssetRef() says nothing about a valid reference where it stands', () => {
    expect(explainAssetRef('JobInputAsset(0)', 'inputAsset')).toBeUndefined();
    expect(explainAssetRef('JobOutputAsset(0)', 'outputAsset')).toBeUndefined();
  });

  it('explainAssetRef() says an output cannot be a job input', () => {
    expect(explainAssetRef('JobInputAsset(0)', 'outputAsset')).toMatch(/^an output cannot be a job input/);
  });

  it('explainAssetRef() asks an empty output for JobOutputAsset(n)', () => {
    expect(explainAssetRef('  ', 'outputAsset')).toBe('the element is empty: write JobOutputAsset(n) inside it');
  });

  it('explainAssetRef() names text before the reference', () => {
    expect(explainAssetRef('asset JobInputAsset(0)', 'inputAsset')).toBe('unexpected text "asset " before the reference');
  });
});

describe('trimXmlSpace()', () => {
  it('trimXmlSpace() returns the same string when there is nothing to trim', () => {
    const s = 'JobInputAsset(0)';
    expect(trimXmlSpace(s)).toBe(s);
    expect(trimXmlSpace(' \n')).toBe('');
  });
});

describe('shared references', () => {
  it('both TaskBody readers give one frozen reference per small index, and their own past 65,535', () => {
    const body = (n: number): string => `<taskBody><inputAsset>JobInputAsset(${n})</inputAsset><outputAsset>JobOutputAsset(${n})</outputAsset></taskBody>`;
    const plain = (n: number) => scanPlainTaskBody(body(n))!;
    const sax = (n: number) => parseTaskBodyWithSaxes(body(n));
    const a = plain(7);
    const b = sax(7);
    expect(a.inputs[0]!.ref).toBe(b.inputs[0]!.ref);
    expect(a.outputs[0]!.ref).toBe(parseAssetRef('JobOutputAsset(7)'));
    expect(a.outputs[0]!.ref).toEqual({ kind: 'JobOutputAsset', index: 7 });
    expect(Object.isFrozen(a.inputs[0]!.ref)).toBe(true);
    // Small integers, never boxed doubles: the same value whichever reader made it.
    expect(Object.is(a.inputs[0]!.ref!.index, 7)).toBe(true);
    const big = plain(65_536);
    expect(big.inputs[0]!.ref).toEqual({ kind: 'JobInputAsset', index: 65_536 });
    expect(big.inputs[0]!.ref).not.toBe(plain(65_536).inputs[0]!.ref);
    expect(sax(2 ** 40).outputs[0]!.ref!.index).toBe(2 ** 40);
    expect(plain(2 ** 40).outputs[0]!.ref!.index).toBe(2 ** 40);
  });
});
