import { describe, expect, it } from 'vitest';
import { Outbox, Ring } from '../../../../src/run/notifications/outbox.js';

interface Item {
  seq: number;
  progress: boolean;
}

function drain(box: Outbox<Item>): number[] {
  const out: number[] = [];
  for (let x = box.shift(); x !== undefined; x = box.shift()) out.push(x.seq);
  return out;
}

function fill(box: Outbox<Item>, kinds: string): number[] {
  const dropped: number[] = [];
  [...kinds].forEach((k, seq) => {
    const d = box.push({ seq, progress: k === 'p' }, k === 'p');
    if (d !== undefined) dropped.push(d.seq);
  });
  return dropped;
}

describe('Ring', () => {
  it('keeps FIFO order across growth and wrap-around', () => {
    const ring = new Ring<number>();
    const out: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < (round % 7) + 1; i++) ring.push(next++);
      for (let i = 0; i < (round % 5) + 1 && ring.size > 0; i++) out.push(ring.shift()!);
    }
    while (ring.size > 0) out.push(ring.shift()!);
    expect(out).toEqual(Array.from({ length: next }, (_, i) => i));
    expect(ring.shift()).toBeUndefined();
    expect(ring.peek()).toBeUndefined();
  });
});

describe('Outbox', () => {
  it('hands messages out in arrival order across its two lanes', () => {
    const box = new Outbox<Item>(100);
    expect(fill(box, 'spspps')).toEqual([]);
    expect(box.size).toBe(6);
    expect(drain(box)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('drops the oldest message when full of state changes', () => {
    const box = new Outbox<Item>(3);
    expect(fill(box, 'sssss')).toEqual([0, 1]);
    expect(drain(box)).toEqual([2, 3, 4]);
  });

  it('drops the oldest progress message before any state change', () => {
    const box = new Outbox<Item>(3);
    // s0 p1 s2 full; s3 evicts p1; p4 evicts nothing older of its kind: it is dropped itself; s5 evicts s0, s6 evicts s2.
    expect(fill(box, 'spsspss')).toEqual([1, 4, 0, 2]);
    expect(drain(box)).toEqual([3, 5, 6]);
  });

  it('lets a new progress message replace the oldest progress message', () => {
    const box = new Outbox<Item>(2);
    expect(fill(box, 'pppp')).toEqual([0, 1]);
    expect(drain(box)).toEqual([2, 3]);
  });
});
