/**
 * The loader's exported helpers with arguments a caller can get wrong: typed errors with stable
 * codes, never a raw TypeError nor "JobOutputAsset(NaN)" in a name.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentRangeError, ArgumentTypeError } from '../../../src/errors.js';
import { assetIdFromUri, defaultOutputAssetName } from '../../../src/job/load.js';
import { thrown } from '../../helpers/thrown.js';

describe('assetIdFromUri', () => {
  it('reads the id of an asset link', () => {
    expect(assetIdFromUri("https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A1')")).toBe('nb:cid:UUID:1');
  });

  it('refuses a uri that is not a string with ERR_INVALID_ARG_TYPE (regression: a raw TypeError)', () => {
    for (const bad of [undefined, null, 0]) {
      const e = thrown(() => assetIdFromUri(bad as never));
      expect(e).toBeInstanceOf(ArgumentTypeError);
      expect(e.code).toBe('ERR_INVALID_ARG_TYPE');
      expect(e.message).toMatch(/^assetIdFromUri: expected `uri` to be a string, got /);
    }
  });
});

describe('defaultOutputAssetName', () => {
  it('names the output after the job', () => {
    expect(defaultOutputAssetName(2, { Name: 'Encode', Id: 'x' })).toBe('JobOutputAsset(2)_Encode');
    expect(defaultOutputAssetName(0, { Name: '', Id: 'x' })).toBe('JobOutputAsset(0)_x');
  });

  it('refuses a job that is not { Name, Id } with ERR_INVALID_ARG_TYPE (regression: a raw TypeError)', () => {
    for (const bad of [undefined, null, {}, { Name: '', Id: 3 }]) {
      const e = thrown(() => defaultOutputAssetName(0, bad as never));
      expect(e).toBeInstanceOf(ArgumentTypeError);
      expect(e.code).toBe('ERR_INVALID_ARG_TYPE');
      expect(e.message).toMatch(/^defaultOutputAssetName: expected `job` to be a job with a string `Name` and `Id`, got /);
    }
  });

  it('refuses an index that is not an integer >= 0 with ERR_OUT_OF_RANGE (was "JobOutputAsset(NaN)_…")', () => {
    for (const bad of [Number.NaN, -1, 1.5, '1', undefined]) {
      const e = thrown(() => defaultOutputAssetName(bad as never, { Name: 'a', Id: 'b' }));
      expect(e).toBeInstanceOf(ArgumentRangeError);
      expect(e.code).toBe('ERR_OUT_OF_RANGE');
      expect(e.message).toMatch(/^defaultOutputAssetName: expected `index` to be an integer >= 0, got /);
    }
  });
});
