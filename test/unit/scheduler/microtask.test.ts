import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { inMicrotask } from '../../../src/scheduler/microtask.js';

const turn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('inMicrotask', () => {
  it('runs after the caller, in order with what queueMicrotask queues', async () => {
    const seen: string[] = [];
    inMicrotask(() => seen.push('a'));
    queueMicrotask(() => seen.push('b'));
    inMicrotask(() => seen.push('c'));
    seen.push('caller');
    expect(seen).toEqual(['caller']);
    await turn();
    expect(seen).toEqual(['caller', 'a', 'b', 'c']);
  });

  it('runs before the next macrotask', async () => {
    const seen: string[] = [];
    setTimeout(() => seen.push('timer'), 0);
    inMicrotask(() => seen.push('micro'));
    await turn();
    await turn();
    expect(seen).toEqual(['micro', 'timer']);
  });

  it('keeps the async context of the caller, as queueMicrotask does', async () => {
    const als = new AsyncLocalStorage<string>();
    const got: Array<string | undefined> = [];
    als.run('request 1', () => inMicrotask(() => got.push(als.getStore())));
    als.run('request 2', () => queueMicrotask(() => got.push(als.getStore())));
    inMicrotask(() => got.push(als.getStore()));
    await turn();
    expect(got).toEqual(['request 1', 'request 2', undefined]);
  });
});
