import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../src/store/memory-store.js';
import { batch, describeRunStore, job, plain } from './conformance.js';

describeRunStore('MemoryStore', () => new MemoryStore());

describe('MemoryStore', () => {
  it('lives at :memory:', () => {
    expect(new MemoryStore().location).toBe(':memory:');
  });

  it('can be loaded again and again, as an engine reopened on it does', () => {
    const store = new MemoryStore();
    store.write(batch({ jobs: [job(1)] }));
    const first = plain(store.load());
    store.write(batch({ jobs: [job(2)] }));
    expect(plain(store.load()).jobs).toEqual([job(1), job(2)]);
    expect(first.jobs).toEqual([job(1)]);
  });

  it('orders meta keys by code point, as SQLite orders their UTF-8 bytes', () => {
    const store = new MemoryStore();
    // U+FF5E sorts before U+1F600 by code point, after its surrogates by UTF-16 unit.
    store.write(batch({ meta: [{ key: '😀', value: '1' }, { key: '～', value: '2' }, { key: 'b', value: '3' }, { key: 'a', value: '4' }] }));
    expect([...store.load().meta.keys()]).toEqual(['a', 'b', '～', '😀']);
  });
});
