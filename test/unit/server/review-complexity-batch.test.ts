/**
 * A `$batch` of queries is answered whole, in one string: 400 operations of `GET Tasks` (27 KB)
 * each answered 500 tasks, 370 MB in all, built in over 20 s of event loop. The answers now stop
 * at 16 MiB (later queries get a small 400 unrun), and the server serves other requests between
 * a batch's operations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchBoundary, parseBatchResponse, type BatchResponseItem } from '../../../src/server/odata/batch-format.js';
import { chainJob, request, seed, startServer, type TestServer } from './helpers.js';

let s: TestServer;

beforeAll(async () => {
  s = await startServer({ validationWorkers: 0 });
  for (let j = 0; j < 20; j++) seed(s.engine, chainJob(25, `job ${j}`));
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect((await request(s.port, '/api/Tasks?$top=1')).status).toBe(200);
}, 120_000);

afterAll(async () => {
  await s.close();
});

describe('a $batch of many large queries', () => {
  it('answers the first queries, refuses the rest once the answers pass 16 MiB, and does not stall', async () => {
    const b = 'batch_many';
    const part = `--${b}\r\nContent-Type: application/http\r\n\r\nGET Tasks HTTP/1.1\r\n\r\n`;
    const body = part.repeat(400) + `--${b}--\r\n`;
    const t = performance.now();
    const batch = request(s.port, '/api/$batch', { method: 'POST', body, headers: { 'Content-Type': `multipart/mixed; boundary=${b}` }, accept: 'application/json;odata=verbose' });
    // Served while the batch runs, not after it.
    const other = await request(s.port, '/api/Jobs?$top=1');
    const otherDone = performance.now() - t;
    const r = await batch;
    const elapsed = performance.now() - t;
    expect(other.status).toBe(200);
    expect(r.status).toBe(202);
    expect(r.text.length).toBeLessThan(24 * 1024 * 1024);
    const items = parseBatchResponse(r.text, batchBoundary(r.headers['content-type'])) as Array<Extract<BatchResponseItem, { kind: 'operation' }>>;
    expect(items).toHaveLength(400);
    expect(items[0]!.response.status).toBe(200);
    expect(JSON.parse(items[0]!.response.body).d.results).toHaveLength(500);
    const last = items[399]!.response;
    expect(last.status).toBe(400);
    expect(JSON.parse(last.body).error.code).toBe('BATCH_ANSWER_TOO_LARGE');
    expect(otherDone).toBeLessThan(elapsed);
    expect(elapsed).toBeLessThan(4_000);
  }, 120_000);
});
