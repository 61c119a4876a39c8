import { describe, expect, it } from 'vitest';
import { request, startServer } from './helpers.js';

/** A JobTemplate body of about `bytes` bytes whose TaskTemplates are `{}`: slow to check (~1 s a MiB). */
function emptyTaskTemplates(bytes: number): string {
  const head = '{"Name":"t","TemplateType":1,"JobTemplateBody":"<jobTemplate/>","TaskTemplates":[';
  return `${head}${'{},'.repeat(Math.floor((bytes - head.length) / 3))}{}]}`;
}

/** Runs `work` and reports the longest the event loop went without running a 5 ms timer. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ result: T; stallMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 5);
  try {
    const result = await work();
    return { result, stallMs };
  } finally {
    clearInterval(timer);
  }
}

describe('POST /api/JobTemplates on the validation workers', () => {
  it('checks a template off the event loop, under the time limit (400 VALIDATION_TOO_COSTLY), as it does a job', async () => {
    const s = await startServer({ validationWorkers: 1, validationTimeoutMs: 1000, maxBodyBytes: 8 * 1024 * 1024 });
    try {
      const body = emptyTaskTemplates(6 * 1024 * 1024);
      const { result: r, stallMs } = await longestStall(() => request(s.port, '/api/JobTemplates', { method: 'POST', body }));
      expect(r.status).toBe(400);
      expect(r.json['odata.error'].code).toBe('VALIDATION_TOO_COSTLY');
      expect(stallMs).toBeLessThan(500);
      // The worker was replaced: the next template is checked.
      const next = await request(s.port, '/api/JobTemplates', { method: 'POST', body: emptyTaskTemplates(1000) });
      expect(next.status).toBe(400);
      expect(next.json['odata.error'].code).toBe('VALIDATION_FAILED');
    } finally {
      await s.close();
    }
  }, 20_000);

  it('answers a refused template alike with and without workers', async () => {
    const answers: unknown[] = [];
    for (const validationWorkers of [0, 1]) {
      const s = await startServer({ validationWorkers, maxDiagnostics: 3 });
      try {
        for (const body of [emptyTaskTemplates(2000), '{"Name": ', '{"Name":"t","TemplateType":1,"JobTemplateBody":"<jobTemplate><taskBody taskTemplateId=\\"x\\"/></jobTemplate>","TaskTemplates":[null]}']) {
          const r = await request(s.port, '/api/JobTemplates', { method: 'POST', body });
          expect(r.status).toBe(400);
          answers.push({ validationWorkers, error: { ...r.json['odata.error'] } });
        }
      } finally {
        await s.close();
      }
    }
    const strip = (a: any): unknown => a.error;
    expect(answers.slice(3).map(strip)).toEqual(answers.slice(0, 3).map(strip));
  });
});
