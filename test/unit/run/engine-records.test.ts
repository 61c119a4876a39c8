import { describe, expect, it } from 'vitest';
import { Engine } from '../../../src/run/engine.js';
import type { Processor } from '../../../src/run/processor.js';
import { MemoryStore } from '../../../src/store/memory-store.js';
import { StoreError, type RunBatch } from '../../../src/store/run-store.js';
import { MES } from '../../helpers/jobs.js';

const processors = (): Processor[] => [{ id: MES, name: 'Media Encoder Standard', run: async () => {} }];

describe('Engine.setRecord() and records()', () => {
  it('keeps records in memory for an engine without a store, in the order first kept, by prefix', async () => {
    const engine = new Engine({ processors: processors() });
    try {
      engine.setRecord('asset:b', '{"n":1}');
      engine.setRecord('asset:a', '{"n":2}');
      engine.setRecord('other', 'x');
      engine.setRecord('asset:b', '{"n":3}');
      expect(engine.records('asset:')).toEqual([
        ['asset:b', '{"n":3}'],
        ['asset:a', '{"n":2}'],
      ]);
      expect(engine.records()).toHaveLength(3);
    } finally {
      await engine.close();
    }
  });

  it('writes a record to the store before returning, and Engine.open gives it back (key order)', async () => {
    const store = new MemoryStore();
    const first = await Engine.open({ processors: processors(), store });
    first.setRecord('asset:2', 'two');
    first.setRecord('asset:1', 'one');
    // Written already: a second reader of the store sees it before any flush or close.
    expect([...store.load().meta].filter(([k]) => k.startsWith('record:'))).toEqual([
      ['record:asset:1', 'one'],
      ['record:asset:2', 'two'],
    ]);
    await first.close();
    const again = await Engine.open({ processors: processors(), store });
    try {
      expect(again.records('asset:')).toEqual([
        ['asset:1', 'one'],
        ['asset:2', 'two'],
      ]);
      // The engine's own settings are not records.
      expect(again.records().map(([k]) => k)).not.toContain('engine.options');
    } finally {
      await again.close();
    }
  });

  it('keeps nothing when the write fails, then or later', async () => {
    const inner = new MemoryStore();
    let fail = false;
    const store = {
      location: ':memory:',
      load: () => inner.load(),
      write: (b: RunBatch) => {
        if (fail) throw new StoreError('STORE_WRITE_FAILED', ':memory:', 'disk full');
        inner.write(b);
      },
      close: () => inner.close(),
    };
    const engine = await Engine.open({ processors: processors(), store });
    fail = true;
    expect(() => engine.setRecord('asset:x', 'lost')).toThrow(StoreError);
    expect(engine.records('asset:')).toEqual([]);
    fail = false;
    engine.setRecord('asset:y', 'kept');
    await engine.close();
    expect([...inner.load().meta.keys()].filter((k) => k.startsWith('record:'))).toEqual(['record:asset:y']);
  });

  it('refuses a key or value that is not a string', async () => {
    const engine = new Engine({ processors: processors() });
    try {
      expect(() => engine.setRecord('', 'x')).toThrow(TypeError);
      expect(() => engine.setRecord(1 as unknown as string, 'x')).toThrow(/non-empty string/);
      expect(() => engine.setRecord('k', { a: 1 } as unknown as string)).toThrow(/`value` to be a string/);
    } finally {
      await engine.close();
    }
  });
});
