import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { Engine } from '../../../src/run/engine.js';

describe('the policy option', () => {
  it('is checked when the scheduler is made, not at the first job ordered by it', () => {
    const bad: unknown[] = ['nope', 'Priority', 5, null, [], { name: 'x' }, { key: 5 }, { name: 'critical-path', duration: 3 }];
    for (const policy of bad) {
      expect(() => new Scheduler({ policy } as never), String(policy)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
      // An Engine makes its scheduler at once: its first submit no longer fails for it.
      expect(() => new Engine({ processors: [], policy } as never), String(policy)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    }
    expect(() => new Scheduler({ policy: 'nope' } as never)).toThrow(/unknown policy `"nope"` \(string\); use priority, fifo, critical-path, shortest-first/);
  });

  it('takes every policy the README names', () => {
    const good: unknown[] = ['priority', 'fifo', 'critical-path', 'shortest-first', { name: 'critical-path', duration: () => 1 }, { name: 'shortest-first' }, { key: () => 1 }, { name: 'mine', key: () => 1 }];
    for (const policy of good) expect(() => new Scheduler({ policy } as never), JSON.stringify(policy)).not.toThrow();
  });
});
