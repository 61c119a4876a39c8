import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { Engine } from '../../src/run/engine.js';
import { NotificationHub } from '../../src/run/notifications/hub.js';
import { validateJob } from '../../src/validate/validate.js';
import { loadJob } from '../../src/job/load.js';
import { validateJobTemplate } from '../../src/validate/template.js';
import { simulate } from '../../src/simulate/simulator.js';
import { makeWorkload } from '../../src/workload/shapes.js';

/**
 * Every entry point that takes an options object refuses `null` with the same words, naming its
 * call (they were written out two dozen times, in four wordings: `Expected` and `expected`, with
 * and without backticks).
 */
describe('an options object that is null', () => {
  const cases: Array<[string, () => unknown]> = [
    ['Scheduler', () => new Scheduler(null as never)],
    ['Scheduler.submit', () => new Scheduler().submit({}, null as never)],
    ['Engine.submit', () => new Engine({ processors: [] }).submit({}, null as never)],
    ['NotificationHub', () => new NotificationHub(null as never)],
    ['validateJob', () => validateJob({}, null as never)],
    ['loadJob', () => loadJob({}, null as never)],
    ['validateJobTemplate', () => validateJobTemplate({}, null as never)],
    ['makeWorkload', () => makeWorkload('chain', 3, null as never)],
    ['simulate', () => simulate([], null as never)],
  ];
  for (const [call, run] of cases) {
    it(`${call} says so in the shared words`, () => {
      expect(run).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: `${call}: expected \`options\` to be an object, got \`null\` (null)` }));
    });
  }
});
