import { describe, expect, it, vi } from 'vitest';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { TaskState } from '../../../src/job/enums.js';
import { dagJob, tickClock } from '../../helpers/jobs.js';

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

describe('Scheduler listeners that throw', () => {
  it('a listener throwing a revoked Proxy does not break the state change, with the default handler', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const s = new Scheduler({ now: tickClock(), ids: sequentialIds() });
      s.on('taskStateChange', () => {
        throw revoked();
      });
      const job = s.submit(dagJob(2, [[0, 1]]));
      const c = s.next()!;
      s.complete(c);
      const d = s.next()!;
      s.complete(d);
      expect(s.job(job.Id)!.State).toBe(TaskState.Finished);
      expect(warn).toHaveBeenCalled();
      expect(String(warn.mock.calls[0]![0])).toContain('a value that cannot be read');
    } finally {
      warn.mockRestore();
    }
  });

  it('an onListenerError that throws itself changes nothing either', () => {
    const s = new Scheduler({
      now: tickClock(),
      ids: sequentialIds(),
      onListenerError: () => {
        throw new Error('handler broke');
      },
    });
    s.on('jobStateChange', () => {
      throw new Error('listener broke');
    });
    const job = s.submit(dagJob(1, []));
    s.complete(s.next()!);
    expect(s.job(job.Id)!.State).toBe(TaskState.Finished);
  });
});
