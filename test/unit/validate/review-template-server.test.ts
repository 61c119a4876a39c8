import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MES, request, startServer, type TestServer } from '../server/helpers.js';

const TT = 'nb:ttid:UUID:071370A3-E63E-4E81-A099-AD66BCAC3789';
const template = (n: unknown) =>
  JSON.stringify({
    Name: 'Huge',
    TemplateType: 1,
    NumberofInputAssets: n,
    JobTemplateBody: `<jobTemplate><taskBody taskTemplateId="${TT}"><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody></jobTemplate>`,
    TaskTemplates: [{ Id: TT, MediaProcessorId: MES, NumberofInputAssets: 1, NumberofOutputAssets: 1 }],
  });

let s: TestServer;
beforeAll(async () => {
  s = await startServer({ validationWorkers: 0 });
});
afterAll(async () => {
  await s.close();
});

describe('POST /api/JobTemplates with NumberofInputAssets 2^31 - 1', () => {
  it('is answered 400 at once (it was checked by making that many inputs, on the event loop) and the server stays up', async () => {
    const t0 = performance.now();
    const r = await request(s.port, '/api/JobTemplates', { method: 'POST', body: template(2147483647), headers: { 'Content-Type': 'application/json' } });
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(r.status).toBe(400);
    expect(r.json['odata.error'].innererror.diagnostics.map((d: { code: string }) => d.code)).toEqual(['JOB_TOO_MANY_ASSETS']);
    expect((await request(s.port, '/api/JobTemplates')).status).toBe(200);
  });
});
