import { describe, expect, it, vi } from 'vitest';
import { outputsMaybeUnread, parseTaskBody, taskBodyParserInternals } from '../../../src/taskbody/parse.js';
import type { ParsedTaskBody } from '../../../src/taskbody/types.js';
import { CODES } from '../../../src/diagnostics/codes.js';

/** [code, line, column] of each problem, in order. */
function where(r: ParsedTaskBody): Array<[string, number, number]> {
  return r.problems.map((p) => [p.code, p.line, p.column]);
}

function body(inner: string): string {
  return `<taskBody>${inner}</taskBody>`;
}

const IN0 = '<inputAsset>JobInputAsset(0)</inputAsset>';
const OUT0 = '<outputAsset>JobOutputAsset(0)</outputAsset>';

describe('parseTaskBody() reads valid TaskBodies', () => {
  it('parseTaskBody() reads the single-task sample with positions of each element', () => {
    const r = parseTaskBody(`<?xml version="1.0" encoding="utf-8"?>${body(IN0 + OUT0)}`);
    expect(r).toEqual({
      inputs: [{ ref: { kind: 'JobInputAsset', index: 0 }, text: 'JobInputAsset(0)', line: 1, column: 49 }],
      outputs: [{ ref: { kind: 'JobOutputAsset', index: 0 }, text: 'JobOutputAsset(0)', line: 1, column: 90 }],
      problems: [],
    });
  });

  it('parseTaskBody() reads the chained sample: a task that consumes another task output', () => {
    const r = parseTaskBody('<?xml version="1.0" encoding="utf-16"?><taskBody><inputAsset>JobOutputAsset(0)</inputAsset><outputAsset>JobOutputAsset(1)</outputAsset></taskBody>');
    expect(r.problems).toEqual([]);
    expect(r.inputs.map((e) => e.ref)).toEqual([{ kind: 'JobOutputAsset', index: 0 }]);
    expect(r.outputs.map((e) => e.ref)).toEqual([{ kind: 'JobOutputAsset', index: 1 }]);
  });

  it('parseTaskBody() reads the output attributes in camelCase and PascalCase', () => {
    const camel = parseTaskBody(body(`${IN0}<outputAsset assetCreationOptions="4" assetName="a" storageAccountName="s" assetFormatOption="1">JobOutputAsset(0)</outputAsset>`));
    const pascal = parseTaskBody(body(`${IN0}<outputAsset AssetCreationOptions="4" AssetName="a" StorageAccountName="s" AssetFormatOption="1">JobOutputAsset(0)</outputAsset>`));
    expect(camel.problems).toEqual([]);
    expect(pascal.problems).toEqual([]);
    const expected = { ref: { kind: 'JobOutputAsset', index: 0 }, text: 'JobOutputAsset(0)', line: 1, column: 52, assetCreationOptions: 4, assetName: 'a', storageAccountName: 's', assetFormatOption: 1 };
    expect(camel.outputs).toEqual([expected]);
    expect(pascal.outputs).toEqual([expected]);
  });

  it('parseTaskBody() reads the re-serialized form the service stores (utf-16 prolog, CRLF, explicit options)', () => {
    const xml =
      '<?xml version="1.0" encoding="utf-16"?>\r\n<taskBody>\r\n  <inputAsset>JobInputAsset(0)</inputAsset>\r\n  <outputAsset assetCreationOptions="0" assetFormatOption="0">JobOutputAsset(0)</outputAsset>\r\n</taskBody>';
    const r = parseTaskBody(xml);
    expect(r.problems).toEqual([]);
    expect(r.inputs).toMatchObject([{ line: 3, column: 3 }]);
    expect(r.outputs).toEqual([{ ref: { kind: 'JobOutputAsset', index: 0 }, text: 'JobOutputAsset(0)', line: 4, column: 3, assetCreationOptions: 0, assetFormatOption: 0 }]);
  });

  it('parseTaskBody() trims XML white space around references, reads leading zeros as the number and warns about them', () => {
    const r = parseTaskBody(body('<inputAsset>\n\t JobInputAsset(007) \r\n</inputAsset><outputAsset> JobOutputAsset(12)</outputAsset>'));
    expect(r.problems).toEqual([
      {
        code: 'ASSET_REF_LEADING_ZERO',
        message: 'the index of "JobInputAsset(007)" is written with a leading zero; it is read as JobInputAsset(7)',
        hint: 'write JobInputAsset(7)',
        line: 1,
        column: 11,
      },
    ]);
    expect(r.inputs[0]).toMatchObject({ ref: { kind: 'JobInputAsset', index: 7 }, text: 'JobInputAsset(007)' });
    expect(r.outputs[0]).toMatchObject({ ref: { kind: 'JobOutputAsset', index: 12 }, text: 'JobOutputAsset(12)' });
  });

  it('parseTaskBody() reads references split by comments, PIs, CDATA and character references', () => {
    const r = parseTaskBody(body('<inputAsset>Job<!-- c -->Input<?pi x?>Asset<![CDATA[(]]>&#48;&#x29;</inputAsset>' + OUT0));
    expect(r.problems).toEqual([]);
    expect(r.inputs[0]!.ref).toEqual({ kind: 'JobInputAsset', index: 0 });
  });

  it('parseTaskBody() accepts a byte order mark and counts it as a column', () => {
    const r = parseTaskBody(`\uFEFF${body(IN0 + OUT0)}`);
    expect(r.problems).toEqual([]);
    expect(r.inputs[0]).toMatchObject({ line: 1, column: 12 });
  });

  it('parseTaskBody() accepts taskTemplateId on taskBody, in both spellings', () => {
    expect(parseTaskBody(`<taskBody taskTemplateId="nb:ttid:UUID:1">${IN0}${OUT0}</taskBody>`).problems).toEqual([]);
    expect(parseTaskBody(`<taskBody TaskTemplateId="nb:ttid:UUID:1">${IN0}${OUT0}</taskBody>`).problems).toEqual([]);
  });

  it('parseTaskBody() accepts namespace declarations that put nothing in a namespace', () => {
    expect(parseTaskBody(`<taskBody xmlns="" xmlns:p="urn:p">${IN0}${OUT0}</taskBody>`).problems).toEqual([]);
  });

  it('parseTaskBody() decodes escaped attribute values', () => {
    const r = parseTaskBody(body(`${IN0}<outputAsset assetName="R&amp;D &lt;1&gt; &quot;x&quot; &apos;y&apos;&#9;z">JobOutputAsset(0)</outputAsset>`));
    expect(r.problems).toEqual([]);
    expect(r.outputs[0]!.assetName).toBe(`R&D <1> "x" 'y'\tz`);
  });

  it('parseTaskBody() counts columns in UTF-16 code units', () => {
    const r = parseTaskBody(`<taskBody><!-- 😀😀 -->${IN0}${OUT0}</taskBody>`);
    expect(r.inputs[0]).toMatchObject({ line: 1, column: 24 });
  });

  it('parseTaskBody() treats CRLF and a lone CR as one line break each', () => {
    const r = parseTaskBody(`<taskBody>\r\n${IN0}\r${OUT0}\n</taskBody>`);
    expect(r.inputs[0]).toMatchObject({ line: 2, column: 1 });
    expect(r.outputs[0]).toMatchObject({ line: 3, column: 1 });
  });

  it('parseTaskBody() places an element whose name ends the line at its <', () => {
    const r = parseTaskBody(`<taskBody>\n  <inputAsset\n>JobInputAsset(0)</inputAsset>\n  <outputAsset\r\n   assetName="x">JobOutputAsset(0)</outputAsset></taskBody>`);
    expect(r.problems).toEqual([]);
    expect(r.inputs[0]).toMatchObject({ line: 2, column: 3 });
    expect(r.outputs[0]).toMatchObject({ line: 4, column: 3, assetName: 'x' });
  });

  it('parseTaskBody() throws ArgumentTypeError when xml is not a string', () => {
    for (const bad of [undefined, null, 5, {}, new String('<taskBody/>')]) {
      expect(() => parseTaskBody(bad as unknown as string)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }));
    }
    expect(() => parseTaskBody(5 as unknown as string)).toThrow('parseTaskBody: Expected `xml` to be a string, got `5` (number)');
  });
});

describe('parseTaskBody() reports grammar problems', () => {
  it('parseTaskBody() reports TASKBODY_ROOT for <TaskBody> and still reads its assets', () => {
    const r = parseTaskBody(`<TaskBody>${IN0}${OUT0}</TaskBody>`);
    expect(where(r)).toEqual([['TASKBODY_ROOT', 1, 1]]);
    expect(r.problems[0]!.hint).toContain('element names are case-sensitive');
    expect(r.inputs).toHaveLength(1);
    expect(r.outputs).toHaveLength(1);
  });

  it('parseTaskBody() reports TASKBODY_ROOT for a JobTemplateBody and nothing inside it', () => {
    const r = parseTaskBody(`<jobTemplate><taskBody taskTemplateId="nb:ttid:UUID:1">${IN0}${OUT0}</taskBody></jobTemplate>`);
    expect(where(r)).toEqual([['TASKBODY_ROOT', 1, 1]]);
    expect(r.problems[0]!.hint).toContain('JobTemplateBody');
    expect(r.inputs).toEqual([]);
  });

  it('parseTaskBody() reports TASKBODY_ROOT for a prefixed or namespaced root', () => {
    const prefixed = parseTaskBody(`<p:taskBody xmlns:p="urn:x">${IN0}${OUT0}</p:taskBody>`);
    expect(where(prefixed)).toEqual([['TASKBODY_ROOT', 1, 1]]);
    expect(prefixed.problems[0]!.hint).toContain('no namespace');
    const namespaced = parseTaskBody(`<taskBody xmlns="urn:x">${IN0}${OUT0}</taskBody>`);
    expect(where(namespaced)).toEqual([['TASKBODY_ROOT', 1, 1]]);
    expect(namespaced.problems[0]!.hint).toContain('remove xmlns');
  });

  it('parseTaskBody() reports TASKBODY_ROOT for assets without <taskBody>', () => {
    const r = parseTaskBody(IN0);
    expect(where(r)).toEqual([['TASKBODY_ROOT', 1, 1]]);
    expect(r.problems[0]!.hint).toContain('wrap the assets');
  });

  it('parseTaskBody() reports TASKBODY_UNKNOWN_ELEMENT for an element other than the two assets', () => {
    const r = parseTaskBody(body(`${IN0}\n  <priority>1</priority>${OUT0}`));
    expect(where(r)).toEqual([['TASKBODY_UNKNOWN_ELEMENT', 2, 3]]);
  });

  it('parseTaskBody() reports <InputAsset> as TASKBODY_UNKNOWN_ELEMENT and reads it as an input', () => {
    const r = parseTaskBody(body(`<InputAsset>JobInputAsset(0)</InputAsset>${OUT0}`));
    expect(where(r)).toEqual([['TASKBODY_UNKNOWN_ELEMENT', 1, 11]]);
    expect(r.problems[0]!.hint).toBe('element names are case-sensitive: write <inputAsset>');
    expect(r.inputs[0]!.ref).toEqual({ kind: 'JobInputAsset', index: 0 });
  });

  it('parseTaskBody() reports a prefixed asset element as TASKBODY_UNKNOWN_ELEMENT', () => {
    const r = parseTaskBody(`<taskBody xmlns:p="urn:p">${IN0}<p:outputAsset>JobOutputAsset(0)</p:outputAsset></taskBody>`);
    expect(where(r)).toEqual([['TASKBODY_UNKNOWN_ELEMENT', 1, 68]]);
    expect(r.outputs).toHaveLength(1);
  });

  it('parseTaskBody() reports an element nested in an asset, and leaves that asset without a ref', () => {
    const r = parseTaskBody(body(`<inputAsset><b>JobInputAsset(0)</b></inputAsset>${OUT0}`));
    expect(where(r)).toEqual([['TASKBODY_UNKNOWN_ELEMENT', 1, 23]]);
    expect(r.inputs).toEqual([{ ref: null, text: '', line: 1, column: 11 }]);
  });

  it('parseTaskBody() reports a <taskBody> nested in <taskBody>', () => {
    const r = parseTaskBody(body(`${IN0}<taskBody/>${OUT0}`));
    expect(where(r)).toEqual([['TASKBODY_UNKNOWN_ELEMENT', 1, 52]]);
  });

  it('parseTaskBody() reports TASKBODY_UNKNOWN_ATTRIBUTE as a warning at the element', () => {
    const r = parseTaskBody(`<taskBody id="1">\n<inputAsset assetName="x">JobInputAsset(0)</inputAsset>\n<outputAsset assetname="y" p:assetName="z">JobOutputAsset(0)</outputAsset></taskBody>`);
    expect(where(r)).toEqual([
      ['TASKBODY_UNKNOWN_ATTRIBUTE', 1, 1],
      ['TASKBODY_UNKNOWN_ATTRIBUTE', 2, 1],
      ['TASKBODY_UNKNOWN_ATTRIBUTE', 3, 1],
      ['TASKBODY_UNKNOWN_ATTRIBUTE', 3, 1],
    ]);
    expect(CODES.TASKBODY_UNKNOWN_ATTRIBUTE.severity).toBe('warning');
    expect(r.problems.map((p) => p.hint)).toEqual([
      '<taskBody> takes only taskTemplateId (in a JobTemplateBody)',
      '<inputAsset> takes no attributes: assetName and the other options describe outputs (<outputAsset>)',
      'attribute names are case-sensitive: write assetName or AssetName',
      'namespace prefixes are not part of the TaskBody grammar: write assetName',
    ]);
    expect(r.outputs[0]!.assetName).toBeUndefined();
  });

  it('parseTaskBody() reports TASKBODY_TEXT at the first character of stray text', () => {
    const r = parseTaskBody(body(`\n  <!-- c -->  JobInputAsset(0)\n${OUT0}`));
    expect(where(r)).toEqual([
      ['TASKBODY_NO_INPUT', 1, 1],
      ['TASKBODY_TEXT', 2, 15],
    ]);
    expect(r.problems[1]!.hint).toContain('inside its own <inputAsset>');
  });

  it('parseTaskBody() names an invisible character of stray text by code point (U+0085 NEXT LINE)', () => {
    // Regression: the message read `text "" directly inside <taskBody>`, the character raw in the quotes.
    const r = parseTaskBody(body(`\u0085${IN0}${OUT0}`));
    expect(where(r)).toEqual([['TASKBODY_TEXT', 1, 11]]);
    expect(r.problems[0]!.message).toBe('text "\\u0085" (U+0085 NEXT LINE) directly inside <taskBody>');
    expect(parseTaskBody(body(`a\u200bb${IN0}${OUT0}`)).problems[0]!.message).toBe('text "a\\u200bb" (U+200B ZERO WIDTH SPACE) directly inside <taskBody>');
    expect(parseTaskBody(body(`x y${IN0}${OUT0}`)).problems[0]!.message).toBe('text "x y" directly inside <taskBody>');
  });

  it('parseTaskBody() reports TASKBODY_NO_INPUT and TASKBODY_NO_OUTPUT at <taskBody>', () => {
    expect(where(parseTaskBody('\n  <taskBody/>'))).toEqual([
      ['TASKBODY_NO_INPUT', 2, 3],
      ['TASKBODY_NO_OUTPUT', 2, 3],
    ]);
    expect(where(parseTaskBody(body(OUT0)))).toEqual([['TASKBODY_NO_INPUT', 1, 1]]);
    expect(where(parseTaskBody(body(IN0)))).toEqual([['TASKBODY_NO_OUTPUT', 1, 1]]);
  });

  it.each([
    ['jobinputasset(0)', 'names are case-sensitive: write JobInputAsset(0)'],
    ['JOBOUTPUTASSET(2)', 'names are case-sensitive: write JobOutputAsset(2)'],
    ['JobOutputAsset( 0 )', 'no spaces inside the parentheses: write JobOutputAsset(0)'],
    ['JobOutputAsset(-1)', 'the index is zero-based and cannot be negative'],
    ['', 'the element is empty: write JobInputAsset(n) or JobOutputAsset(n) inside it'],
    ['JobInputAsset(1e3)', 'the index must be plain decimal digits, not "1e3"'],
    ['JobInputAsset(0x1F)', 'write the index as decimal digits: JobInputAsset(31) for 0x1F'],
    ['JobInputAsset(9007199254740992)', 'the index is too large: at most 9007199254740991'],
    ['JobInputAsset()', 'the index is missing: JobInputAsset(0) is the first'],
    ['JobInputAsset0', 'write the index in parentheses: JobInputAsset(0)'],
    ['JobInputAsset(0', 'the closing parenthesis is missing: JobInputAsset(n)'],
    ['JobInputAsset(０)', 'write the index with the ASCII digits 0-9'],
    ['JobInputAsset(0) JobInputAsset(1)', 'one asset reference per element: write one <inputAsset> for each'],
    ['JobInputAsset(0).mp4', 'unexpected text ".mp4" after the reference'],
    ['\u00a0JobInputAsset(0)', 'U+00A0 NO-BREAK SPACE around the reference: only XML white space (space, tab, line breaks) is ignored there'],
    ['nb:cid:UUID:910ffdc1-2e25-4b17-8a42-61ffd4b8914c', "a TaskBody names assets by placeholder, not by id: write JobInputAsset(0) (n counts from 0 in the job's InputMediaAssets)"],
  ])('parseTaskBody() reports ASSET_REF_INVALID for %j with a hint', (text, hint) => {
    const r = parseTaskBody(body(`<inputAsset>${text}</inputAsset>${OUT0}`));
    expect(where(r)).toEqual([['ASSET_REF_INVALID', 1, 11]]);
    expect(r.problems[0]!.hint).toBe(hint);
    expect(r.inputs[0]!.ref).toBeNull();
  });

  it('parseTaskBody() reports ASSET_REF_INVALID without a specific hint for an unrelated text', () => {
    const r = parseTaskBody(body(`<inputAsset>movie.mp4</inputAsset>${OUT0}`));
    expect(where(r)).toEqual([['ASSET_REF_INVALID', 1, 11]]);
    expect(r.problems[0]!.hint).toBeUndefined();
  });

  it('parseTaskBody() reports ASSET_REF_INVALID for an output that names a job input', () => {
    const r = parseTaskBody(body(`${IN0}\n<outputAsset>JobInputAsset(0)</outputAsset>`));
    expect(where(r)).toEqual([['ASSET_REF_INVALID', 2, 1]]);
    expect(r.problems[0]!.hint).toContain('an output cannot be a job input');
    expect(r.outputs[0]!.ref).toBeNull();
  });

  it.each([
    ['3', 'combines StorageEncrypted and CommonEncryptionProtected'],
    ['0x1', 'write the decimal value 1 (0x1 is hex): only decimal is accepted'],
    ['StorageEncrypted', 'write the decimal value 1 for StorageEncrypted: names are not accepted'],
    ['envelopeencryptionprotected', 'write the decimal value 4 for EnvelopeEncryptionProtected: names are not accepted'],
    ['StorageEncrypted, CommonEncryptionProtected', 'combinations are not accepted'],
    ['', 'the value is empty'],
    [' 1', 'no spaces around the value: write assetCreationOptions="1"'],
    ['-1', 'use one of 0 (None), 1 (StorageEncrypted), 2 (CommonEncryptionProtected), 4 (EnvelopeEncryptionProtected)'],
  ])('parseTaskBody() reports ASSET_CREATION_OPTIONS_INVALID for %j', (value, hint) => {
    const r = parseTaskBody(body(`${IN0}<outputAsset assetCreationOptions="${value}">JobOutputAsset(0)</outputAsset>`));
    expect(where(r)).toEqual([['ASSET_CREATION_OPTIONS_INVALID', 1, 52]]);
    expect(r.problems[0]!.hint).toContain(hint);
    expect(r.outputs[0]!.assetCreationOptions).toBeUndefined();
    expect(r.outputs[0]!.ref).toEqual({ kind: 'JobOutputAsset', index: 0 });
  });

  it('parseTaskBody() reports ASSET_FORMAT_OPTION_INVALID for 2 and for a name', () => {
    const r = parseTaskBody(body(`${IN0}<outputAsset AssetFormatOption="2">JobOutputAsset(0)</outputAsset>\n<outputAsset assetFormatOption="AdaptiveStreaming">JobOutputAsset(1)</outputAsset>`));
    expect(where(r)).toEqual([
      ['ASSET_FORMAT_OPTION_INVALID', 1, 52],
      ['ASSET_FORMAT_OPTION_INVALID', 2, 1],
    ]);
    expect(r.problems[1]!.hint).toBe('write the decimal value 1 for AdaptiveStreaming: names are not accepted');
  });

  it('parseTaskBody() reports ATTRIBUTE_DUPLICATE for both spellings, and for the same spelling twice', () => {
    const both = parseTaskBody(body(`${IN0}<outputAsset assetName="a" AssetName="b">JobOutputAsset(0)</outputAsset>`));
    expect(where(both)).toEqual([['ATTRIBUTE_DUPLICATE', 1, 52]]);
    expect(both.problems[0]!.message).toBe('<outputAsset> has both assetName and AssetName');
    expect(both.outputs[0]!.assetName).toBe('b');
    const same = parseTaskBody(body(`${IN0}<outputAsset assetName="a" assetName="b">JobOutputAsset(0)</outputAsset>`));
    expect(where(same)).toEqual([['ATTRIBUTE_DUPLICATE', 1, 52]]);
    expect(same.outputs[0]!.assetName).toBe('b');
    const root = parseTaskBody(`<taskBody taskTemplateId="a" TaskTemplateId="b">${IN0}${OUT0}</taskBody>`);
    expect(where(root)).toEqual([['ATTRIBUTE_DUPLICATE', 1, 1]]);
  });
});

describe('parseTaskBody() refuses DOCTYPEs', () => {
  it('parseTaskBody() refuses the billion laughs without expanding anything', () => {
    const lol = ['<!ENTITY lol "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`)].join('\n');
    const xml = `<?xml version="1.0"?>\n<!DOCTYPE lolz [\n${lol}\n]>\n<taskBody><inputAsset>&lol9;</inputAsset>${OUT0}</taskBody>`;
    const r = parseTaskBody(xml);
    expect(where(r)).toEqual([['XML_DOCTYPE_FORBIDDEN', 2, 1]]);
    expect(r.inputs).toEqual([]);
    expect(r.problems[0]!.message).toContain('refused');
  });

  it('parseTaskBody() refuses external entities', () => {
    const r = parseTaskBody(`<!DOCTYPE taskBody [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]><taskBody><inputAsset>&xxe;</inputAsset>${OUT0}</taskBody>`);
    expect(where(r)).toEqual([['XML_DOCTYPE_FORBIDDEN', 1, 1]]);
  });

  it('parseTaskBody() refuses a huge internal subset without handing it to saxes', () => {
    const subset = '<!ENTITY a "x">'.repeat(400_000); // 6 MB
    const xml = `<!DOCTYPE taskBody [${subset}]>${body(IN0 + OUT0)}`;
    const r = parseTaskBody(xml);
    expect(where(r)).toEqual([['XML_DOCTYPE_FORBIDDEN', 1, 1]]);
    expect(taskBodyParserInternals().fed).toBe('<!DOCTYPE'.length);
  });

  it('parseTaskBody() refuses a DOCTYPE after the root, and <!doctype and <!ENTITY written anywhere', () => {
    expect(where(parseTaskBody(`${body(IN0 + OUT0)}\n<!DOCTYPE x>`))).toEqual([['XML_DOCTYPE_FORBIDDEN', 2, 1]]);
    expect(where(parseTaskBody(`<!doctype taskBody>${body(IN0 + OUT0)}`))).toEqual([['XML_DOCTYPE_FORBIDDEN', 1, 1]]);
    expect(where(parseTaskBody(body(`<!ENTITY x "y">${IN0}${OUT0}`)))).toEqual([['XML_DOCTYPE_FORBIDDEN', 1, 11]]);
  });

  it('parseTaskBody() does not take <!DOCTYPE inside a comment or CDATA for one', () => {
    const r = parseTaskBody(`<!-- <!DOCTYPE x> -->\n<taskBody><inputAsset><![CDATA[<!DOCTYPE]]>JobInputAsset(0)</inputAsset>\n${OUT0}</taskBody>`);
    expect(where(r)).toEqual([['ASSET_REF_INVALID', 2, 11]]);
    expect(r.outputs[0]).toMatchObject({ line: 3, column: 1 });
  });

  it('parseTaskBody() keeps later positions right after a <!DOCTYPE that was not one', () => {
    const r = parseTaskBody(`<taskBody><!-- <!DOCTYPE --> <!-- <!DOCTYPE --> <inputAsset>x</inputAsset>${OUT0}</taskBody>`);
    expect(where(r)).toEqual([['ASSET_REF_INVALID', 1, 49]]);
  });
});

describe('parseTaskBody() reports malformed XML once, where it is, with the likely cause', () => {
  const REFERENCE = `<taskBody>     <inputAsset> JobInputAsset(0)</inputAsset>     <inputAsset> JobInputAsset(1)</inputAsset>
<outputAsset assetCreationOptions=”1” assetName=”output” storageAccountName=”mystoreagename”>
  JobOutputAsset(0)     </outputAsset> <taskBody>`;

  it('parseTaskBody() reports curly quotes in the reference sample', () => {
    const r = parseTaskBody(REFERENCE);
    expect(r.problems[0]).toEqual({
      code: 'XML_MALFORMED',
      message: 'U+201D RIGHT DOUBLE QUOTATION MARK around an attribute value',
      line: 2,
      column: 35,
      hint: 'U+201D RIGHT DOUBLE QUOTATION MARK where a quote (") was expected — text pasted from a word processor?',
    });
  });

  it('parseTaskBody() reports the reference sample closer written <taskBody>, at that tag', () => {
    const r = parseTaskBody(REFERENCE);
    expect(where(r)).toEqual([
      ['XML_MALFORMED', 2, 35],
      ['XML_MALFORMED', 3, 40],
    ]);
    expect(r.problems[1]!.hint).toContain('the document ends before </taskBody>: was the closing tag written <taskBody>?');
  });

  it('parseTaskBody() still returns the reference sample assets, without the broken tag attributes', () => {
    const r = parseTaskBody(REFERENCE);
    expect(r.inputs.map((e) => e.ref)).toEqual([
      { kind: 'JobInputAsset', index: 0 },
      { kind: 'JobInputAsset', index: 1 },
    ]);
    expect(r.outputs).toEqual([{ ref: { kind: 'JobOutputAsset', index: 0 }, text: 'JobOutputAsset(0)', line: 2, column: 1 }]);
  });

  it('parseTaskBody() reports an unclosed root at the end of the document, once', () => {
    const r = parseTaskBody(`<taskBody>\n${IN0}\n${OUT0}\n`);
    expect(where(r)).toEqual([['XML_MALFORMED', 4, 1]]);
    expect(r.problems[0]!.message).toBe('the document ends before </taskBody>');
    expect(r.inputs).toHaveLength(1);
    expect(r.outputs).toHaveLength(1);
  });

  it('parseTaskBody() reports an unclosed asset and root together', () => {
    const r = parseTaskBody(`<taskBody>${IN0}<outputAsset>JobOutputAsset(0)`);
    expect(where(r)).toEqual([['XML_MALFORMED', 1, 82]]);
    expect(r.problems[0]!.message).toBe('the document ends before </outputAsset></taskBody>');
  });

  it('parseTaskBody() reports a close tag that differs in case, naming the case', () => {
    const r = parseTaskBody(`<jobTemplate><taskBody>${IN0}${OUT0}</taskBody></jobtemplate>`);
    expect(where(r)).toEqual([
      ['TASKBODY_ROOT', 1, 1],
      ['XML_MALFORMED', 1, 120],
    ]);
    expect(r.problems[1]!.message).toBe('</jobtemplate> does not match <jobTemplate> (opened at 1:1)');
    expect(r.problems[1]!.hint).toBe('element names are case-sensitive: write </jobTemplate>');
  });

  it('parseTaskBody() reports close tags in the wrong order', () => {
    const r = parseTaskBody(`<taskBody>${IN0}<outputAsset>JobOutputAsset(0)</taskBody></outputAsset>`);
    expect(where(r)).toEqual([['XML_MALFORMED', 1, 82]]);
    expect(r.problems[0]!.hint).toBe('close <outputAsset> first: elements close in the reverse order of opening');
  });

  it('parseTaskBody() reports an unescaped & followed by a later ;', () => {
    const r = parseTaskBody(body(`<inputAsset>R&D; x</inputAsset>${OUT0}`));
    expect(where(r)).toEqual([['XML_MALFORMED', 1, 24]]);
    expect(r.problems[0]!.message).toBe('undefined entity &D;');
  });

  it('parseTaskBody() reports an unescaped & that swallows the rest of the document, at the &', () => {
    const r = parseTaskBody(body(`<inputAsset>A & B</inputAsset>${OUT0}`));
    expect(where(r)).toEqual([['XML_MALFORMED', 1, 25]]);
    expect(r.problems[0]!.hint).toContain('write &amp;');
  });

  it('parseTaskBody() reports an unescaped & whose name runs into a tag, at the &', () => {
    const r = parseTaskBody(body(`<inputAsset>A & B</inputAsset>\n<outputAsset assetName="&amp;">JobOutputAsset(0)</outputAsset>`));
    expect(where(r)).toEqual([['XML_MALFORMED', 1, 25]]);
    expect(r.problems[0]!.hint).toContain('was read as an entity name');
  });

  it('parseTaskBody() reports an undeclared entity reference &foo; and expands nothing', () => {
    const r = parseTaskBody(body(`<inputAsset>JobInputAsset(0)&foo;</inputAsset>${OUT0}`));
    expect(where(r)).toEqual([['XML_MALFORMED', 1, 39]]);
    expect(r.problems[0]!.message).toBe('undefined entity &foo;');
    expect(r.inputs[0]!.ref).toBeNull();
  });

  it('parseTaskBody() reports an undefined HTML entity with its character reference', () => {
    const r = parseTaskBody(body(`${IN0}<outputAsset assetName="a&nbsp;b">JobOutputAsset(0)</outputAsset>`));
    expect(where(r)).toEqual([['XML_MALFORMED', 1, 77]]);
    expect(r.problems[0]!.hint).toBe('&nbsp; is HTML, not XML: write &#160; (or the character itself)');
    expect(r.outputs[0]!.assetName).toBeUndefined();
  });

  it('parseTaskBody() takes &toString; and other names of Object.prototype for undeclared entities, not HTML ones', () => {
    const foo = parseTaskBody(body(`<inputAsset>JobInputAsset(0)&foo;</inputAsset>${OUT0}`)).problems[0]!.hint;
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
      const r = parseTaskBody(body(`<inputAsset>JobInputAsset(0)&${name};</inputAsset>${OUT0}`));
      expect(r.problems[0]!.message).toBe(`undefined entity &${name};`);
      expect(r.problems[0]!.hint, name).toBe(foo);
    }
  });

  it('parseTaskBody() reports an unescaped < in text', () => {
    const r = parseTaskBody(body(`<inputAsset>a < b</inputAsset>${OUT0}`));
    expect(where(r)).toEqual([['XML_MALFORMED', 1, 25]]);
    expect(r.problems[0]!.hint).toContain('write &lt;');
    expect(r.inputs[0]!.ref).toBeNull();
    expect(r.outputs[0]!.ref).toEqual({ kind: 'JobOutputAsset', index: 0 });
  });

  it('parseTaskBody() reports text after the root as garbage, once', () => {
    const r = parseTaskBody(`${body(IN0 + OUT0)}\n  trailing <x/> more`);
    expect(where(r)).toEqual([['XML_MALFORMED', 2, 3]]);
    expect(r.problems[0]!.hint).toContain('garbage after the root element');
  });

  it('parseTaskBody() reports a second root element', () => {
    const r = parseTaskBody(`${body(IN0 + OUT0)}${body(IN0 + OUT0)}`);
    expect(where(r)).toEqual([['XML_MALFORMED', 1, 107]]);
    expect(r.problems[0]!.message).toBe('a second root element <taskBody> after </taskBody>');
    expect(r.inputs).toHaveLength(1);
  });

  it('parseTaskBody() reports an empty document and a document that is only white space', () => {
    const empty = parseTaskBody('');
    expect(where(empty)).toEqual([['XML_MALFORMED', 1, 1]]);
    expect(empty.problems[0]!.message).toBe('the TaskBody is empty');
    const blank = parseTaskBody(' \r\n\t ');
    expect(where(blank)).toEqual([['XML_MALFORMED', 1, 1]]);
    expect(blank.problems[0]!.message).toBe('the TaskBody is only white space');
  });

  it('parseTaskBody() reports a document with only a declaration', () => {
    const r = parseTaskBody('<?xml version="1.0"?>\n');
    expect(where(r)).toEqual([['XML_MALFORMED', 2, 1]]);
    expect(r.problems[0]!.message).toBe('the document has no root element');
  });

  it('parseTaskBody() reports text before the root', () => {
    const r = parseTaskBody(`JobInputAsset(0)`);
    expect(where(r)).toEqual([['XML_MALFORMED', 1, 1]]);
    expect(r.problems[0]!.message).toBe('text "JobInputAsset(0)" before the root element');
  });

  it('parseTaskBody() reports a missing closing quote', () => {
    const r = parseTaskBody(body(`${IN0}<outputAsset assetName="x>JobOutputAsset(0)</outputAsset>`));
    expect(where(r)).toEqual([['XML_MALFORMED', 1, 95]]);
    expect(r.problems[0]!.hint).toContain('is the closing quote of the value missing?');
  });

  it('parseTaskBody() reports a comment that is never closed, where it starts', () => {
    const r = parseTaskBody(`${body(IN0 + OUT0)}\n<!-- a -->\n<!-- b`);
    expect(where(r)).toEqual([['XML_MALFORMED', 3, 1]]);
    expect(r.problems[0]!.message).toBe('a comment that is never closed');
  });

  it('parseTaskBody() says a comment ending ---> is never closed, not that the document ends in the next start tag', () => {
    // Regression: `-->` found inside `--->` was taken for the comment's end, and the end of the
    // document was blamed on the <inputAsset> after it, a tag that is closed.
    const r = parseTaskBody(body(`<!-- note --->${IN0}${OUT0}`));
    expect(where(r)).toEqual([['XML_MALFORMED', 1, 11]]);
    expect(r.problems[0]!.message).toBe('a comment that is never closed');
    expect(r.problems[0]!.hint).toBe('the -- at 1:21 does not end it: a comment may not contain --, and ends with --> (write -->, not --->)');
  });

  it('parseTaskBody() keeps the reference of an asset closed by a close tag that does not match it', () => {
    // Regression: the output was read as ref null, so the tasks reading it got OUTPUT_NOT_PRODUCED,
    // while an asset after the same typo (salvaged) kept its reference.
    const out = parseTaskBody(body(`${IN0}<outputAsset>JobOutputAsset(0)</outputasset>`));
    expect(where(out)).toEqual([['XML_MALFORMED', 1, 82]]);
    expect(out.outputs.map((o) => o.ref)).toEqual([{ kind: 'JobOutputAsset', index: 0 }]);
    const inp = parseTaskBody(body(`<inputAsset>JobInputAsset(0)</inputasset>${OUT0}`));
    expect(inp.inputs.map((i) => i.ref)).toEqual([{ kind: 'JobInputAsset', index: 0 }]);
    expect(inp.outputs.map((o) => o.ref)).toEqual([{ kind: 'JobOutputAsset', index: 0 }]);
    // An invalid text is left unsaid there: the mismatch is the one problem reported.
    const bad = parseTaskBody(body(`${IN0}<outputAsset>JobInputAsset(0)</outputasset>`));
    expect(where(bad)).toEqual([['XML_MALFORMED', 1, 81]]);
    expect(bad.outputs.map((o) => o.ref)).toEqual([null]);
  });

  it('parseTaskBody() reports a document cut in a start tag', () => {
    const r = parseTaskBody(`<taskBody>${IN0}<outputAsset assetName="x`);
    expect(where(r)).toEqual([['XML_MALFORMED', 1, 52]]);
    expect(r.problems[0]!.hint).toBe('an attribute value is missing its closing quote');
  });

  it('parseTaskBody() reports control characters and keeps reading', () => {
    const r = parseTaskBody(`<taskBody>\u0001${IN0}\n<outputAsset assetName="a\u0000">JobOutputAsset(0)</outputAsset></taskBody>`);
    expect(where(r)).toEqual([
      ['XML_MALFORMED', 1, 11],
      ['XML_MALFORMED', 2, 26],
    ]);
    expect(r.problems[0]!.message).toBe('U+0001 (a control character) is not allowed in XML');
    expect(r.problems[1]!.message).toBe('U+0000 NULL is not allowed in XML');
    expect(r.inputs).toHaveLength(1);
    expect(r.outputs).toHaveLength(1);
  });

  it('parseTaskBody() reports each lone surrogate and reads on', () => {
    const r = parseTaskBody(body(`<inputAsset>JobInputAsset(0)\uD83D</inputAsset>${OUT0}`));
    expect(where(r)).toEqual([['XML_MALFORMED', 1, 39]]);
    expect(r.problems[0]!.message).toBe('a lone surrogate U+D83D (not a character)');
    expect(r.inputs[0]!.ref).toBeNull();
  });

  it('parseTaskBody() reports a misplaced XML declaration', () => {
    const r = parseTaskBody(`\n<?xml version="1.0"?>${body(IN0 + OUT0)}`);
    expect(where(r)).toEqual([['XML_MALFORMED', 2, 1]]);
    expect(r.problems[0]!.hint).toContain('remove the white space before <?xml');
  });

  it('parseTaskBody() reports curly quotes in the XML declaration once', () => {
    const r = parseTaskBody(`<?xml version=”1.0” encoding=”utf-8”?>${body(IN0 + OUT0)}`);
    expect(where(r)).toEqual([['XML_MALFORMED', 1, 15]]);
    expect(r.problems[0]!.hint).toContain('U+201D RIGHT DOUBLE QUOTATION MARK where a quote (") was expected');
  });

  it('parseTaskBody() gives up after a bounded number of errors on pathological input', () => {
    const r = parseTaskBody(body(`<!x ${'y'.repeat(100_000)}`));
    expect(where(r)).toEqual([['XML_MALFORMED', 1, 11]]);
    expect(r.problems[0]!.hint).toContain('<! starts a comment');
  });

  it('parseTaskBody() reports at most 10 XML errors in one document', () => {
    const r = parseTaskBody(body(`${'\u0001'.repeat(50)}${IN0}${OUT0}`));
    expect(r.problems).toHaveLength(10);
  });

  it('parseTaskBody() says why a document ended badly within the 10, in place of the latest error before it', () => {
    // Twelve lone surrogates (reported before anything else), then a document cut inside a tag
    // (found from a property test's counterexample: it gave 11).
    const xml = `<taskBody>\n  ${IN0}\n  <outputAsset assetName="${'a\uD800'.repeat(12)}">JobOutputAsset(0)</outputA`;
    const r = parseTaskBody(xml);
    const malformed = r.problems.filter((p) => p.code === 'XML_MALFORMED');
    expect(malformed).toHaveLength(10);
    expect(malformed.slice(0, 9).every((p) => p.message.startsWith('a lone surrogate'))).toBe(true);
    expect(malformed[9]!.message).not.toMatch(/lone surrogate/);
    // The nine kept are the first nine, in document order.
    expect(malformed.slice(0, 9).map((p) => p.column)).toEqual(Array.from({ length: 9 }, (_, k) => 28 + 2 * k));
  });
});

describe('outputsMaybeUnread() names the outputs a broken TaskBody may declare where it was not read', () => {
  it('outputsMaybeUnread() is empty for a TaskBody read to its end (valid or not), or whose outputs came before the mistake', () => {
    expect(outputsMaybeUnread(body(IN0 + OUT0))).toEqual([]);
    expect(outputsMaybeUnread(body(`${IN0}<outputAsset>JobOutputAsset(x)</outputAsset>`))).toEqual([]);
    expect(outputsMaybeUnread(body(`${IN0}<outputAsset>JobOutputAsset(0)</outputasset>`))).toEqual([]);
  });

  it('outputsMaybeUnread() gives the outputs after an & that swallowed the rest, or inside a comment never closed', () => {
    expect(outputsMaybeUnread(body(`${IN0}<outputAsset assetName="R&D">JobOutputAsset(0)</outputAsset>`))).toEqual([0]);
    expect(outputsMaybeUnread(body(`<!-- note --->${IN0}<outputAsset>JobOutputAsset(3)</outputAsset>`))).toEqual([3]);
  });

  it('outputsMaybeUnread() leaves out what was read before the mistake and the text of inputs', () => {
    const xml = body(`<outputAsset>JobOutputAsset(1)</outputAsset><inputAsset>A & B</inputAsset><inputAsset>JobOutputAsset(2)</inputAsset><outputAsset>JobOutputAsset(4)</outputAsset>`);
    expect(outputsMaybeUnread(xml)).toEqual([4]);
  });
});

describe('parseTaskBody() reuses one saxes parser, safely', () => {
  const VALID = body(IN0 + OUT0);
  const expected = parseTaskBody(VALID);

  it.each([
    ['a curly quote', `<taskBody><outputAsset a=”1”>`],
    ['an unclosed comment', `<taskBody><!--`],
    ['a DOCTYPE', `<!DOCTYPE x [<!ENTITY a "b">]><taskBody>`],
    ['<!doctype', `<!doctype x><taskBody>`],
    ['an error storm', `<taskBody><!x${'z'.repeat(1000)}`],
    ['a trailing CR', `<taskBody>\r`],
    ['a trailing lone surrogate', `<taskBody>\uD800`],
    ['text only', `x`],
  ])('parseTaskBody() gives the right result after %s', (_, bad) => {
    parseTaskBody(bad);
    expect(parseTaskBody(VALID)).toEqual(expected);
  });

  it('parseTaskBody() recovers after an exception thrown inside a handler', () => {
    // A comment keeps the document from the plain scan: saxes and its handlers read it (the root's
    // close tag is checked with startsWith, made to throw here).
    const commented = body(`<!-- c -->${IN0}${OUT0}`);
    const want = parseTaskBody(commented);
    const spy = vi.spyOn(String.prototype, 'startsWith').mockImplementation(() => {
      throw new Error('boom');
    });
    try {
      expect(() => parseTaskBody(commented)).toThrow('boom');
    } finally {
      spy.mockRestore();
    }
    expect(parseTaskBody(commented)).toEqual(want);
    expect(parseTaskBody(VALID)).toEqual(expected);
  });

  it('parseTaskBody() keeps saxes in fast (non-dictionary) property mode', async () => {
    const { execFileSync } = await import('node:child_process');
    const script = `import { parseTaskBody, taskBodyParserInternals } from './src/taskbody/parse.ts';
      parseTaskBody('<taskBody/>');
      console.log(%HasFastProperties(taskBodyParserInternals().saxes));`;
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(out.trim()).toBe('true');
  });
});
