/**
 * Writing TaskBodies: used by workload generators and the round-trip property test
 * (`parseTaskBody(serializeTaskBody(body))` gives `body` back, exactly).
 */
import { ArgumentRangeError, ArgumentTypeError, checkObject, describeValue } from '../errors.js';
import { checkAssetRef } from './asset-ref.js';
import type { AssetRef } from './types.js';

/** One `<outputAsset>` to write: a `JobOutputAsset(n)` reference and its optional attributes. */
export interface SerializableOutputAsset extends AssetRef {
  /** 0 (None), 1 (StorageEncrypted), 2 (CommonEncryptionProtected) or 4 (EnvelopeEncryptionProtected). */
  assetCreationOptions?: number;
  assetName?: string;
  storageAccountName?: string;
  /** 0 (None) or 1 (AdaptiveStreaming). */
  assetFormatOption?: number;
}

/** What {@link serializeTaskBody} writes. `ParsedTaskBody` entries with a non-null `ref` fit it. */
export interface SerializableTaskBody {
  inputs: readonly AssetRef[];
  outputs: readonly SerializableOutputAsset[];
}

export interface SerializeTaskBodyOptions {
  /**
   * Start with `<?xml version="1.0" encoding="utf-8"?>`.
   * @defaultValue false
   */
  prolog?: boolean;
  /**
   * One element a line, indented by two spaces, lines ending with `\n`.
   * @defaultValue false
   */
  pretty?: boolean;
  /**
   * Spelling of the `<outputAsset>` attributes: `assetName` or `AssetName` (both are documented).
   * @defaultValue 'camelCase'
   */
  attributeCase?: 'camelCase' | 'PascalCase';
}

const PROLOG = '<?xml version="1.0" encoding="utf-8"?>';

/** Characters XML 1.0 cannot hold at all, not even as a character reference. */
const NOT_XML_CHAR = /[\0-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const NEEDS_ESCAPE = /[&<>"\t\n\r]/;
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  // Written as references so that attribute-value normalisation does not turn them into spaces.
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/**
 * Escapes a string for a double-quoted XML attribute value, so that an XML parser reads back
 * exactly `value` (tab, CR and LF included).
 *
 * @throws ArgumentTypeError (`ERR_INVALID_ARG_TYPE`) when `value` is not a string.
 * @throws ArgumentRangeError (`ERR_INVALID_ARG_VALUE`) when `value` holds a character XML cannot
 *   represent (a control character other than tab/CR/LF, U+FFFE, U+FFFF, a lone surrogate).
 */
export function escapeAttribute(value: string, what = 'value'): string {
  if (typeof what !== 'string') throw new ArgumentTypeError(`escapeAttribute: expected \`what\` (the value's name, for messages) to be a string, got ${describeValue(what)}`);
  if (typeof value !== 'string') throw new ArgumentTypeError(`escapeAttribute: expected \`${what}\` to be a string, got ${describeValue(value)}`);
  const bad = NOT_XML_CHAR.exec(value);
  if (bad !== null) {
    const c = value.charCodeAt(bad.index);
    throw new ArgumentRangeError(
      `serializeTaskBody: \`${what}\` holds U+${c.toString(16).toUpperCase().padStart(4, '0')} at index ${bad.index}, which XML cannot represent: remove it`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/[&<>"\t\n\r]/g, (ch) => ESCAPES[ch]!);
}

function checkOption(value: unknown, allowed: readonly number[], what: string): number {
  if (typeof value !== 'number' || !allowed.includes(value)) {
    throw new ArgumentRangeError(`serializeTaskBody: Expected \`${what}\` to be one of ${allowed.join(', ')}, got ${describeValue(value)}`);
  }
  return value;
}

function checkString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new ArgumentTypeError(`serializeTaskBody: Expected \`${what}\` to be a string, got ${describeValue(value)}`);
  return escapeAttribute(value, what);
}

/**
 * Writes a TaskBody: `<taskBody>`, one `<inputAsset>` per input, one `<outputAsset>` per output with
 * its attributes (in the order assetCreationOptions, assetName, storageAccountName,
 * assetFormatOption; absent ones are left out), `</taskBody>`. Attribute values are escaped so that
 * {@link parseTaskBody} reads back exactly what was given.
 *
 * It writes what it is given: empty `inputs` or `outputs` make a TaskBody the parser reports as
 * TASKBODY_NO_INPUT / TASKBODY_NO_OUTPUT (useful for tests).
 *
 * @param body - the inputs (any asset reference) and outputs (`JobOutputAsset(n)` only).
 * @param options - prolog, pretty printing, attribute spelling.
 * @returns the TaskBody text.
 * @throws ArgumentTypeError (`ERR_INVALID_ARG_TYPE`) for a malformed `body` or reference.
 * @throws ArgumentRangeError (`ERR_OUT_OF_RANGE`) for an index that is not a non-negative safe
 *   integer, an option value outside its enum, or an output that is a `JobInputAsset`;
 *   (`ERR_INVALID_ARG_VALUE`) for a string holding a character XML cannot represent.
 * @example
 * serializeTaskBody({
 *   inputs: [{ kind: 'JobInputAsset', index: 0 }],
 *   outputs: [{ kind: 'JobOutputAsset', index: 0, assetName: 'R&D "cut"' }],
 * })
 * // → '<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset assetName="R&amp;D &quot;cut&quot;">JobOutputAsset(0)</outputAsset></taskBody>'
 */
export function serializeTaskBody(body: SerializableTaskBody, options: SerializeTaskBodyOptions = {}): string {
  if (typeof body !== 'object' || body === null || !Array.isArray(body.inputs) || !Array.isArray(body.outputs)) {
    throw new ArgumentTypeError(`serializeTaskBody: expected \`body\` to be { inputs: AssetRef[], outputs: AssetRef[] }, got ${describeValue(body)}`);
  }
  checkObject('serializeTaskBody', '`options`', options, '{ attributeCase?, pretty?, prolog? }');
  const pascal = options.attributeCase === 'PascalCase';
  const nl = options.pretty === true ? '\n' : '';
  const indent = options.pretty === true ? '  ' : '';
  let out = options.prolog === true ? PROLOG + nl : '';
  out += '<taskBody>' + nl;
  body.inputs.forEach((ref, i) => {
    checkAssetRef(ref, 'serializeTaskBody', `inputs[${i}]`);
    out += `${indent}<inputAsset>${ref.kind}(${ref.index})</inputAsset>${nl}`;
  });
  body.outputs.forEach((o, i) => {
    const what = `outputs[${i}]`;
    checkAssetRef(o, 'serializeTaskBody', what);
    if (o.kind !== 'JobOutputAsset') {
      throw new ArgumentRangeError(`serializeTaskBody: \`${what}\` is ${o.kind}(${o.index}): an output is always JobOutputAsset(n)`);
    }
    let attrs = '';
    if (o.assetCreationOptions !== undefined) {
      attrs += ` ${pascal ? 'AssetCreationOptions' : 'assetCreationOptions'}="${checkOption(o.assetCreationOptions, [0, 1, 2, 4], `${what}.assetCreationOptions`)}"`;
    }
    if (o.assetName !== undefined) attrs += ` ${pascal ? 'AssetName' : 'assetName'}="${checkString(o.assetName, `${what}.assetName`)}"`;
    if (o.storageAccountName !== undefined) {
      attrs += ` ${pascal ? 'StorageAccountName' : 'storageAccountName'}="${checkString(o.storageAccountName, `${what}.storageAccountName`)}"`;
    }
    if (o.assetFormatOption !== undefined) {
      attrs += ` ${pascal ? 'AssetFormatOption' : 'assetFormatOption'}="${checkOption(o.assetFormatOption, [0, 1], `${what}.assetFormatOption`)}"`;
    }
    out += `${indent}<outputAsset${attrs}>JobOutputAsset(${o.index})</outputAsset>${nl}`;
  });
  return out + '</taskBody>';
}
