/**
 * The attributes of the TaskBody grammar, in both documented spellings, and the checks of their
 * values. Values are decimal only: the reference writes `0x1` in prose but every sample and the
 * NET SDK emit decimal, and enum names (`StorageEncrypted`) appear nowhere, so both are refused with
 * a hint that names the decimal value to write instead.
 */

/** Attributes of `<outputAsset>`: the bit of each in a per-element "seen" mask. */
export const OUT_CREATION_OPTIONS = 1;
export const OUT_NAME = 2;
export const OUT_STORAGE_ACCOUNT = 4;
export const OUT_FORMAT_OPTION = 8;
/** `taskTemplateId` on `<taskBody>` (JobTemplate bodies). */
export const ROOT_TEMPLATE_ID = 16;

/** Which `<outputAsset>` attribute `name` is (either spelling), or 0 when it is none of them. */
export function outputAttribute(name: string): number {
  switch (name) {
    case 'assetCreationOptions':
    case 'AssetCreationOptions':
      return OUT_CREATION_OPTIONS;
    case 'assetName':
    case 'AssetName':
      return OUT_NAME;
    case 'storageAccountName':
    case 'StorageAccountName':
      return OUT_STORAGE_ACCOUNT;
    case 'assetFormatOption':
    case 'AssetFormatOption':
      return OUT_FORMAT_OPTION;
    default:
      return 0;
  }
}

/** Which `<taskBody>` attribute `name` is, or 0. */
export function rootAttribute(name: string): number {
  return name === 'taskTemplateId' || name === 'TaskTemplateId' ? ROOT_TEMPLATE_ID : 0;
}

/** The camelCase spelling of a known attribute bit. */
export function attributeName(bit: number): string {
  switch (bit) {
    case OUT_CREATION_OPTIONS:
      return 'assetCreationOptions';
    case OUT_NAME:
      return 'assetName';
    case OUT_STORAGE_ACCOUNT:
      return 'storageAccountName';
    case OUT_FORMAT_OPTION:
      return 'assetFormatOption';
    default:
      return 'taskTemplateId';
  }
}

/** AssetCreationOptions (NET `AssetCreationOptions.cs`, REST-Task). */
export const ASSET_CREATION_OPTIONS: ReadonlyArray<readonly [number, string]> = [
  [0, 'None'],
  [1, 'StorageEncrypted'],
  [2, 'CommonEncryptionProtected'],
  [4, 'EnvelopeEncryptionProtected'],
];

/** AssetFormatOption (NET only). */
export const ASSET_FORMAT_OPTIONS: ReadonlyArray<readonly [number, string]> = [
  [0, 'None'],
  [1, 'AdaptiveStreaming'],
];

/**
 * Reads an integer attribute: decimal digits only (leading zeros allowed), within `allowed`.
 * Returns the value, or -1 when it is not valid. Fast path for the one-character values.
 */
export function readOption(value: string, allowed: ReadonlyArray<readonly [number, string]>): number {
  let n: number;
  if (value.length === 1) {
    n = value.charCodeAt(0) - 0x30;
  } else {
    if (!/^[0-9]{1,9}$/.test(value)) return -1;
    n = Number(value);
  }
  for (const [v] of allowed) if (v === n) return n;
  return -1;
}

/**
 * Says why `value` is not valid for the option `attr` (`assetCreationOptions` or
 * `assetFormatOption`), naming the decimal value to write when one is meant.
 */
export function explainOption(value: string, attr: 'assetCreationOptions' | 'assetFormatOption'): string | undefined {
  const allowed = attr === 'assetCreationOptions' ? ASSET_CREATION_OPTIONS : ASSET_FORMAT_OPTIONS;
  const list = allowed.map(([v, name]) => `${v} (${name})`).join(', ');
  const t = value.trim();
  if (t === '') return `the value is empty: use one of ${list}`;
  if (t !== value && readOption(t, allowed) >= 0) return `no spaces around the value: write ${attr}="${t}"`;
  const byName = allowed.find(([, name]) => name.toLowerCase() === t.toLowerCase());
  if (byName) return `write the decimal value ${byName[0]} for ${byName[1]}: names are not accepted`;
  const hex = /^0[xX]([0-9a-fA-F]+)$/.exec(t);
  const n = hex ? Number.parseInt(hex[1]!, 16) : /^[0-9]+$/.test(t) ? Number(t) : Number.NaN;
  if (hex && allowed.some(([v]) => v === n)) return `write the decimal value ${n} (${t} is hex): only decimal is accepted`;
  const parts = t.split(/\s*[,|+]\s*|\s+/).filter((p) => p !== '');
  if (parts.length > 1 && parts.every((p) => allowed.some(([, name]) => name.toLowerCase() === p.toLowerCase()))) {
    return `combinations are not accepted: use one of ${list}`;
  }
  if (attr === 'assetCreationOptions' && Number.isInteger(n) && n > 0 && n <= 7) {
    const names = allowed.filter(([v]) => v !== 0 && (n & v) !== 0).map(([, name]) => name);
    return `${t} combines ${names.join(' and ')}: combinations are not accepted, use one of ${list}`;
  }
  return `use one of ${list}`;
}
