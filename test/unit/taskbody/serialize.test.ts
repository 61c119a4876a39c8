import { describe, expect, it } from 'vitest';
import { parseTaskBody } from '../../../src/taskbody/parse.js';
import { escapeAttribute, serializeTaskBody, type SerializableTaskBody } from '../../../src/taskbody/serialize.js';

const ONE: SerializableTaskBody = {
  inputs: [{ kind: 'JobInputAsset', index: 0 }],
  outputs: [{ kind: 'JobOutputAsset', index: 0 }],
};

describe('serializeTaskBody()', () => {
  it('serializeTaskBody() writes the compact form by default', () => {
    expect(serializeTaskBody(ONE)).toBe('<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody>');
  });

  it('serializeTaskBody() writes a prolog and pretty lines on request', () => {
    expect(serializeTaskBody(ONE, { prolog: true, pretty: true })).toBe(
      '<?xml version="1.0" encoding="utf-8"?>\n<taskBody>\n  <inputAsset>JobInputAsset(0)</inputAsset>\n  <outputAsset>JobOutputAsset(0)</outputAsset>\n</taskBody>',
    );
  });

  it('serializeTaskBody() writes attributes in a fixed order, in either spelling', () => {
    const body: SerializableTaskBody = {
      inputs: [{ kind: 'JobOutputAsset', index: 2 }],
      outputs: [{ kind: 'JobOutputAsset', index: 3, assetFormatOption: 1, storageAccountName: 's', assetName: 'n', assetCreationOptions: 0 }],
    };
    expect(serializeTaskBody(body)).toContain('<outputAsset assetCreationOptions="0" assetName="n" storageAccountName="s" assetFormatOption="1">');
    expect(serializeTaskBody(body, { attributeCase: 'PascalCase' })).toContain('<outputAsset AssetCreationOptions="0" AssetName="n" StorageAccountName="s" AssetFormatOption="1">');
  });

  it('serializeTaskBody() escapes attribute values so the parser reads them back exactly', () => {
    const name = `a&b<c>d"e'f\tg\nh\r\ni ]]> &amp; 😀`;
    const xml = serializeTaskBody({ inputs: ONE.inputs, outputs: [{ kind: 'JobOutputAsset', index: 0, assetName: name }] });
    expect(xml).toContain('assetName="a&amp;b&lt;c&gt;d&quot;e\'f&#9;g&#10;h&#13;&#10;i ]]&gt; &amp;amp; 😀"');
    const r = parseTaskBody(xml);
    expect(r.problems).toEqual([]);
    expect(r.outputs[0]!.assetName).toBe(name);
  });

  it('serializeTaskBody() refuses characters XML cannot hold', () => {
    for (const bad of ['\u0000', 'a\u0001', '\uFFFF', '\uD800x', 'x\uDC00']) {
      expect(() => serializeTaskBody({ inputs: [], outputs: [{ kind: 'JobOutputAsset', index: 0, assetName: bad }] })).toThrow(
        expect.objectContaining({ name: 'RangeError', code: 'ERR_INVALID_ARG_VALUE' }),
      );
    }
    expect(escapeAttribute('ok 😀')).toBe('ok 😀');
  });

  it('escapeAttribute() refuses a value that is not a string with ERR_INVALID_ARG_TYPE (regression: NaN returned as it was)', () => {
    for (const bad of [Number.NaN, undefined, null, 5]) {
      expect(() => escapeAttribute(bad as never)).toThrow(
        expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: expect.stringMatching(/^escapeAttribute: expected `value` to be a string, got /) }),
      );
    }
  });

  it('serializeTaskBody() refuses an output that is a job input, and option values outside their enum', () => {
    expect(() => serializeTaskBody({ inputs: [], outputs: [{ kind: 'JobInputAsset', index: 0 }] })).toThrow('an output is always JobOutputAsset(n)');
    expect(() => serializeTaskBody({ inputs: [], outputs: [{ kind: 'JobOutputAsset', index: 0, assetCreationOptions: 3 }] })).toThrow(
      'Expected `outputs[0].assetCreationOptions` to be one of 0, 1, 2, 4, got `3` (number)',
    );
    expect(() => serializeTaskBody({ inputs: [], outputs: [{ kind: 'JobOutputAsset', index: 0, assetFormatOption: 2 }] })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => serializeTaskBody({ inputs: [{ kind: 'JobInputAsset', index: -1 }], outputs: [] })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => serializeTaskBody({ inputs: [], outputs: [{ kind: 'JobOutputAsset', index: 0, assetName: 5 as unknown as string }] })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    expect(() => serializeTaskBody(null as unknown as SerializableTaskBody)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });

  it('serializeTaskBody() writes what it is given, even a body the parser will reject', () => {
    expect(parseTaskBody(serializeTaskBody({ inputs: [], outputs: [] })).problems.map((p) => p.code)).toEqual(['TASKBODY_NO_INPUT', 'TASKBODY_NO_OUTPUT']);
  });
});
