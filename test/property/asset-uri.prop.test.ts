import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assetIdFromUri } from '../../src/job/load.js';

// The seed is fixed by test/setup.ts in CI (FC_SEED replays a failure).

/** assetIdFromUri as it was written first, by one regular expression: the specification. */
function byExpression(uri: string): string {
  const m = /Assets\('((?:[^']|'')*)'\)\s*$/.exec(uri);
  if (!m) return uri;
  const raw = m[1]!.replace(/''/g, "'");
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

// Uris made of the pieces that matter: the Assets(' opening (whole and cut), quotes single and
// doubled, the closing '), white space, escapes good and bad, and plain text.
const piece = fc.constantFrom("Assets('", 'nb%3Acid%3AUUID%3A', '910ffdc1-2e25-4b17-8a42-61ffd4b8914c', 'Assets(', "Assets'", "'", "''", "')", ')', ' ', '\n', '%3A', '%C3%A9', '%E0%A4%A', '%', 'nb', 'cid', ':', 'https://media.windows.net/api/', 'é');
const uri = fc.array(piece, { maxLength: 12 }).map((pieces) => pieces.join(''));

describe('assetIdFromUri', () => {
  it('gives what the one expression gives, on any uri', () => {
    fc.assert(
      fc.property(uri, (u) => {
        expect(assetIdFromUri(u)).toBe(byExpression(u));
      }),
      { numRuns: 5000 },
    );
  });

  it('reads the usual uri, and the forms around it', () => {
    const id = 'nb:cid:UUID:910ffdc1-2e25-4b17-8a42-61ffd4b8914c';
    expect(assetIdFromUri("https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A910ffdc1-2e25-4b17-8a42-61ffd4b8914c')")).toBe(id);
    expect(assetIdFromUri("https://media.windows.net/api/Assets('a''b')")).toBe("a'b");
    expect(assetIdFromUri("https://media.windows.net/api/Assets('x') ")).toBe('x');
    expect(assetIdFromUri("Assets('%E0%A4%A')")).toBe('%E0%A4%A');
    expect(assetIdFromUri('no asset here')).toBe('no asset here');
  });
});
