/**
 * outputsMaybeUnread (taskbody/parse.ts), on the validator's error path: whether a mention of
 * JobOutputAsset(n) follows an <inputAsset> start tag is found with one forward walk over the
 * document's `<`s, not a backward search from each mention.
 */
import { describe, expect, it } from 'vitest';
import { outputsMaybeUnread } from '../../../src/taskbody/parse.js';
import { validateJob } from '../../../src/validate/validate.js';

const MP = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';
const IN = "https://media.windows.net/api/Assets('nb:cid:UUID:11111111-1111-1111-1111-111111111111')";

describe('outputs a broken TaskBody may declare: cost', () => {
  it('reads 100,000 mentions after an unclosed comment in linear time (took 27 s)', () => {
    const broken = `<taskBody><!--${'>JobOutputAsset(1)'.repeat(100_000)}`;
    const job = {
      Name: 'j',
      InputMediaAssets: [{ __metadata: { uri: IN } }],
      Tasks: [
        { MediaProcessorId: MP, TaskBody: broken },
        // Reads an output nobody writes: the validator looks at what the broken TaskBody may output.
        { MediaProcessorId: MP, TaskBody: '<taskBody><inputAsset>JobOutputAsset(7)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody>' },
      ],
    };
    const t0 = performance.now();
    const r = validateJob(job, { profile: 'relaxed' });
    const ms = performance.now() - t0;
    expect(r.diagnostics.map((d) => d.code)).toEqual(['XML_MALFORMED', 'OUTPUT_NOT_PRODUCED']);
    expect(ms).toBeLessThan(4_000);
  }, 120_000);

  it('still tells a mention in an <inputAsset> from one that is not', () => {
    // After an unclosed comment: JobOutputAsset(3), (6) and (8) follow an <inputAsset> start tag (8: behind a text ">").
    const xml = '<taskBody><!--<inputAsset a="1">JobOutputAsset(3)</inputAsset><inputAssetX> JobOutputAsset(4)</inputAssetX><x>JobOutputAsset(5)<inputAsset>\n JobOutputAsset(6)> JobOutputAsset(8)';
    expect(outputsMaybeUnread(xml)).toEqual([4, 5]);
  });
});
